"""Floor 4: scikit-learn estimators (:class:`GlassClassifier`, :class:`GlassRegressor`) and their file format.

``from glassnet.estimators import GlassClassifier`` works; scikit-learn is imported on that first use,
not when ``glassnet`` (which reads estimator files through :mod:`glassnet.estimators.saving`) is imported.
"""

__all__ = ["GlassClassifier", "GlassRegressor"]


def __getattr__(name: str) -> object:
    if name in __all__:
        from glassnet.estimators import models

        return getattr(models, name)
    raise AttributeError(f"module 'glassnet.estimators' has no attribute {name!r}")
