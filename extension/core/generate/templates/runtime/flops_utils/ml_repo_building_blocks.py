"""``load_dataset()`` as FLOps repositories call it: this learner's partition of a local dataset.

FLOps returns all of a node's data from its ML data server; here each learner gets its own
partition (IID or Dirichlet non-IID by label, seeded, so every run splits the same way) of one
local dataset. Which partition comes from ``flops_utils.local_data.configure()`` (the ClientApp
calls it from the node config) or from ``FLOPS_*`` environment variables.

This module is the only one that needs HuggingFace ``datasets``; the partitioning and the reading
of text formats are plain Python and numpy.

Column access. FLOps repositories were written for ``datasets`` 2.x, where ``dataset["image"]`` is
the whole column in the dataset's format (a numpy array after ``with_format("numpy")``), so they call
``.reshape``, ``.astype`` and arithmetic on it. Since ``datasets`` 4.0 that expression is a lazy
``Column`` without those. ``load_dataset()`` therefore restores the 2.x meaning of a column lookup by
name (``restore_column_access``) in the learner process; rows, slices, ``map``, ``train_test_split``
and the rest are untouched. Tested with ``datasets`` 5.0; the generated requirements allow
``datasets>=2.16,<6`` (2.x and 3.x behave this way natively).
"""

import numpy as np

from flops_utils.local_data import ARROW_FORMATS, current_settings, extension_of, read_columns, resolve_data_files
from flops_utils.partitioning import partition_indices


def restore_column_access(dataset_class) -> bool:
    """Make ``dataset["name"]`` return the whole formatted column again (``datasets`` < 4 semantics)
    on ``dataset_class`` and its subclasses. Returns whether it patched (False: already done, or a
    ``datasets`` release whose column lookup has that meaning anyway)."""
    original = dataset_class.__getitem__
    if getattr(original, "_flops_whole_column", False) or not hasattr(dataset_class, "_getitem"):
        return False
    module = __import__(dataset_class.__module__, fromlist=["Column"])
    if not hasattr(module, "Column"):
        return False

    def __getitem__(self, key):
        if isinstance(key, str):
            return self._getitem(key)
        return original(self, key)

    __getitem__._flops_whole_column = True
    __getitem__.__doc__ = original.__doc__
    dataset_class.__getitem__ = __getitem__
    return True


def load_dataset():
    """Returns this learner's partition as a ``datasets.Dataset`` in Arrow format."""
    import datasets  # deferred: everything above works without it

    restore_column_access(datasets.Dataset)
    settings = current_settings()
    paths = resolve_data_files(settings)
    if extension_of(paths[0]) == ".parquet":
        dataset = datasets.Dataset.from_parquet(paths if len(paths) > 1 else paths[0])
    elif extension_of(paths[0]) in ARROW_FORMATS:
        dataset = datasets.concatenate_datasets([datasets.Dataset.from_file(p) for p in paths])
    else:
        dataset = datasets.Dataset.from_dict(read_columns(paths))
    labels = None
    if settings.partitioning == "dirichlet":
        if settings.label_column not in dataset.column_names:
            raise KeyError(
                f"the label column '{settings.label_column}' is not in the dataset (columns: {dataset.column_names})"
            )
        labels = np.asarray(dataset[settings.label_column])
    indices = partition_indices(
        len(dataset),
        settings.partition_id,
        settings.num_partitions,
        method=settings.partitioning,
        seed=settings.seed,
        labels=labels,
        alpha=settings.alpha,
    )
    if settings.max_rows > 0:
        indices = indices[: settings.max_rows]
    return dataset.select(indices.tolist()).with_format("arrow")
