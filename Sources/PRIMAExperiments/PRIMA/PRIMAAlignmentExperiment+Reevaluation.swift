extension PRIMAAlignmentExperiment {
    /// Metadata shapes the aligned encoder during training only; at test time the classifier reads the photo
    /// alone, so missing metadata cannot change its predictions.
    public var testTimeReevaluation: TestTimeReevaluation { .ignoresMetadata }
}
