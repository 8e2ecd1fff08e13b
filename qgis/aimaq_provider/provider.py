"""The aimaq Processing provider: check, zones, balance."""

import os

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

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

    def loadAlgorithms(self):  # noqa: N802
        for algorithm in (CheckAlgorithm(), ZonesAlgorithm(), BalanceAlgorithm()):
            self.addAlgorithm(algorithm)
