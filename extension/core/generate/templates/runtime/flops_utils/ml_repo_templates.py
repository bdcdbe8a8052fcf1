"""The base classes FLOps repositories subclass (as in FLOps' ``flops_utils.ml_repo_templates``)."""

from abc import ABC, abstractmethod
from typing import Any, List, Tuple


class ModelManagerTemplate(ABC):
    """The user's ``ModelManager``: constructible with no arguments, and loads no data in ``__init__``."""

    @abstractmethod
    def set_model_data(self) -> None:
        """Learners only: load this node's data (``DataManager().get_data()``) into attributes."""

    @abstractmethod
    def get_model(self) -> Any:
        """The framework model object (sklearn estimator, torch module, keras model)."""

    @abstractmethod
    def get_model_parameters(self) -> List[Any]:
        """The model parameters as a Python list of numpy arrays."""

    @abstractmethod
    def set_model_parameters(self, parameters) -> None:
        """Apply a list of numpy arrays in the order ``get_model_parameters`` returns them."""

    @abstractmethod
    def fit_model(self) -> int:
        """One local training pass; returns the number of training examples."""

    @abstractmethod
    def evaluate_model(self) -> Tuple[Any, Any, int]:
        """Returns ``(loss, accuracy, number_of_evaluation_examples)``."""


class DataManagerTemplate(ABC):
    """The user's ``DataManager``: gets its data from ``load_dataset()`` only."""

    @abstractmethod
    def _prepare_data(self) -> Any:
        """Load (``load_dataset()``) and preprocess the data."""

    @abstractmethod
    def get_data(self) -> Tuple[Any, Any]:
        """Returns ``(train, test)``."""
