"""aimaq's QGIS plugin: a Processing provider over the aimaq binary or Python package."""


def classFactory(iface):  # noqa: N802 (QGIS's name)
    from .plugin import AimaqPlugin

    return AimaqPlugin(iface)
