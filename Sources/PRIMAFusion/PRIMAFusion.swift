/// Namespace of the PRIMAFusion module; filled by its own issue.
public enum PRIMAFusion {}
