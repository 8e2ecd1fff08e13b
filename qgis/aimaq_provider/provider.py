"""The aimaq Processing provider: check, zones, balance. Its settings (Processing →
Options → Providers → aimaq) name the `aimaq` binary and whether to use the aimaq Python
package in-process when QGIS's Python has it."""

import os

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from . import backend
from .algorithms import BalanceAlgorithm, CheckAlgorithm, ZonesAlgorithm


class AimaqProvider(QgsProcessingProvider):
    def id(self):
        return "aimaq"

    def name(self):
        return "aimaq"

    def longName(self):  # noqa: N802
        return "aimaq — Almaty agglomeration regulations"

    def icon(self):
        return QIcon(os.path.join(os.path.dirname(__file__), "icon.svg"))

    def load(self):
        try:
            from processing.core.ProcessingConfig import ProcessingConfig, Setting
        except ImportError:  # no Processing Python side (a bare PyQGIS script)
            return super().load()
        group = self.name()
        ProcessingConfig.settingIcons[group] = self.icon()
        ProcessingConfig.addSetting(Setting(
            group, backend.BINARY_SETTING,
            "The aimaq binary (empty: `aimaq` on PATH, then the plugin's folder)", "",
            valuetype=Setting.FILE))
        ProcessingConfig.addSetting(Setting(
            group, backend.PACKAGE_SETTING,
            "Use the aimaq Python package in-process when QGIS's Python has it", True))
        ProcessingConfig.readSettings()
        return super().load()

    def unload(self):
        try:
            from processing.core.ProcessingConfig import ProcessingConfig
        except ImportError:
            return
        ProcessingConfig.removeSetting(backend.BINARY_SETTING)
        ProcessingConfig.removeSetting(backend.PACKAGE_SETTING)

    def loadAlgorithms(self):  # noqa: N802
        for algorithm in (CheckAlgorithm(), ZonesAlgorithm(), BalanceAlgorithm()):
            self.addAlgorithm(algorithm)
