/// Cross-validation experiments for PRIMA and its baselines.
///
/// - ``CrossValidation`` runs a ``FoldExperiment`` over k patient-disjoint folds: for each fold it carves a
///   validation split from the training folds (``ValidationSplit``), trains epoch by epoch, keeps the
///   weights of the epoch with the best validation macro F1, and evaluates them on the held-out fold. Every
///   epoch and every finished fold is saved in the output folder, so a stopped run continues where it
///   stopped.
/// - ``ClassifierExperiment`` is the ``FoldExperiment`` of any model that maps a `TwoViewBatch` to class
///   logits (``BatchClassifier``): class-weighted cross-entropy, AdamW, warm-up + cosine schedule.
/// - ``ResultsTable``, ``ResultsFiles`` and the SVG plots (``ConfusionMatrixPlot``, ``FoldMetricsPlot``,
///   ``TrainingCurvesPlot``, ``ComparisonPlot``) report the results as the paper does: per-class F1, macro F1,
///   accuracy and balanced accuracy, each as mean (SD) over the folds.
/// - ``ExperimentSuite`` runs several experiments on the same folds and writes their comparison.
///
/// Libraries never bootstrap logging: the harness logs through swift-log (``CrossValidation/logger``) and
/// reports progress to an optional observer such as ``ProgressPrinter``; executables set both up.
public enum PRIMAExperiments {}
