/// PRIMAData: the datasets, metadata encodings, folds, loaders and metrics around PRIMA.
///
/// Where things live:
/// - `CSV/` — ``CSVTable`` (RFC 4180 reader that remembers lines) and ``CSVWriter``.
/// - `PADUFES/` — ``PADUFESDataset`` reads `metadata.csv` + `imgs_part_1…3/` into typed ``PADUFESRecord``s;
///   ``PADUFES`` holds the columns, classes and the metadata ``MetadataSchema``.
/// - `AQUA/` — ``AQUADataset``: manifest + per-patient metadata + JSON schema; ``AQUA/keratitisSchema``.
/// - `Metadata/` — ``MetadataSchema``, ``MetadataTextRenderer`` (metadata → clinical text) and
///   ``MetadataVectorEncoder`` (metadata → soft-target vector y).
/// - `Folds/` — ``StratifiedGroupKFold`` and ``FoldAssignment`` (saved as CSV).
/// - `Synthetic/` — ``SyntheticPADUFES`` and ``SyntheticAQUA`` write look-alike datasets in the real layouts.
/// - `Images/` — ``RGBImage``, ``ImageDecoder`` (PNG or JPEG by content), ``PNGDecoder``, ``JPEGDecoder``,
///   ``PNGEncoder`` and ``JPEGEncoder`` (libpng, libjpeg-turbo).
/// - `Loading/` — ``TwoViewLoader``: two augmented views per sample, text, vector and label, prefetched.
/// - `Metrics/` — ``ClassificationReport``, ``ROCAUC``, ``MeanSD`` and ``FoldSummary``, equal to scikit-learn's.
///
/// Every problem with outside input is a ``DataError`` naming the file, line, record and column.
public enum PRIMAData {}
