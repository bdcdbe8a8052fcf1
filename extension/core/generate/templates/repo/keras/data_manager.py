from typing import Any

import numpy as np
from flops_utils.ml_repo_building_blocks import load_dataset
from flops_utils.ml_repo_templates import DataManagerTemplate


class DataManager(DataManagerTemplate):
    def __init__(self):
        self.train, self.test = self._prepare_data()

    def _prepare_data(self) -> tuple[Any, Any]:
        # All of this node's data for the project's data tags, as one HuggingFace Dataset.
        dataset = load_dataset().with_format("numpy")
        splits = dataset.train_test_split(test_size=0.2, seed=42)
        return self._to_arrays(splits["train"]), self._to_arrays(splits["test"])

    @staticmethod
    def _to_arrays(part) -> tuple[np.ndarray, np.ndarray]:
        # TODO: change the column names if your dataset differs (cifar10: "img" and "label").
        x = part["img"].astype(np.float32) / 255.0
        y = part["label"].astype(np.int64)
        return x, y

    def get_data(self) -> tuple[Any, Any]:
        return self.train, self.test
