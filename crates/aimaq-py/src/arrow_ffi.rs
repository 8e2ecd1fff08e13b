//! Record batches across the Arrow C data interface, as PyCapsules (the Arrow PyCapsule
//! protocol): in from anything with `__arrow_c_array__` (pyarrow, polars, arro3, …),
//! out as an object pyarrow reads with `pyarrow.record_batch(obj)`. No copy either way.

use arrow_array::ffi::{from_ffi, to_ffi, FFI_ArrowArray, FFI_ArrowSchema};
use arrow_array::{Array, RecordBatch, StructArray};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyCapsule, PyCapsuleMethods, PyTuple};

const SCHEMA: &std::ffi::CStr = c"arrow_schema";
const ARRAY: &std::ffi::CStr = c"arrow_array";

/// The record batch `obj` exports through `__arrow_c_array__`.
pub fn import_batch(obj: &Bound<'_, PyAny>) -> PyResult<RecordBatch> {
    if !obj.hasattr("__arrow_c_array__")? {
        return Err(PyTypeError::new_err(format!(
            "expected an Arrow record batch (an object with __arrow_c_array__), got {}",
            obj.get_type().name()?
        )));
    }
    let pair = obj.call_method0("__arrow_c_array__")?;
    let pair = pair.cast::<PyTuple>()?;
    let schema = pair.get_item(0)?;
    let schema = schema.cast::<PyCapsule>()?;
    let array = pair.get_item(1)?;
    let array = array.cast::<PyCapsule>()?;
    let schema_ptr = schema
        .pointer_checked(Some(SCHEMA))?
        .cast::<FFI_ArrowSchema>();
    let array_ptr = array.pointer_checked(Some(ARRAY))?.cast::<FFI_ArrowArray>();
    // SAFETY: the capsules are named as the protocol names them, so they hold these
    // structs. The array is moved out and an empty one (no release callback) left in its
    // place, so the capsule's destructor releases nothing twice; the schema is only
    // borrowed, and released by its capsule.
    let data = unsafe {
        let array = std::ptr::replace(array_ptr.as_ptr(), FFI_ArrowArray::empty());
        from_ffi(array, schema_ptr.as_ref())
    }
    .map_err(|e| PyValueError::new_err(format!("unreadable Arrow array: {e}")))?;
    if !matches!(data.data_type(), arrow_schema::DataType::Struct(_)) {
        return Err(PyTypeError::new_err(format!(
            "expected a record batch (a struct array), got an Arrow array of {}",
            data.data_type()
        )));
    }
    let columns = StructArray::from(data);
    if columns.null_count() > 0 {
        return Err(PyValueError::new_err(
            "a record batch with null rows (a struct array with nulls) is not a table",
        ));
    }
    Ok(RecordBatch::from(columns))
}

/// A record batch handed to Python: `pyarrow.record_batch(batch)` takes it without a copy.
#[pyclass(frozen, module = "aimaq._aimaq", name = "ArrowBatch")]
pub struct ArrowBatch(pub RecordBatch);

#[pymethods]
impl ArrowBatch {
    /// The Arrow PyCapsule protocol: (schema capsule, array capsule) of a struct array.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_array__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyTuple>> {
        // the protocol lets a producer ignore the requested schema; the caller casts
        let _ = requested_schema;
        let data = StructArray::from(self.0.clone()).into_data();
        let (array, schema) = to_ffi(&data)
            .map_err(|e| PyValueError::new_err(format!("cannot export Arrow data: {e}")))?;
        let schema = PyCapsule::new_with_value(py, schema, SCHEMA)?;
        let array = PyCapsule::new_with_value(py, array, ARRAY)?;
        PyTuple::new(py, [schema.into_any(), array.into_any()])
    }

    /// Rows in the batch.
    fn __len__(&self) -> usize {
        self.0.num_rows()
    }
}
