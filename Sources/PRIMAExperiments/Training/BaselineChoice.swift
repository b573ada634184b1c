import PRIMAData

/// The paper's two baselines (Table 1), as a user picks them on the command line.
public enum BaselineChoice: String, Sendable, CaseIterable, Codable {
    /// The image encoder with a linear head ("DINOv3 + LoRA").
    case imageOnly = "image-only"
    /// Image features and the metadata through an MLP ("+ Metadata via MLP").
    case imageMetadata = "image-metadata"

    /// The experiment of this baseline. For now these are the ``PlaceholderBaselines``; the DINOv3 and text
    /// encoder baselines replace them here.
    public func experiment(schema: MetadataSchema, settings: TrainingSettings) -> ClassifierExperiment {
        switch self {
        case .imageOnly: return PlaceholderBaselines.imageOnly(schema: schema, settings: settings)
        case .imageMetadata: return PlaceholderBaselines.imageAndMetadata(schema: schema, settings: settings)
        }
    }
}
