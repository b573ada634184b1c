/// Namespace of the PRIMAVision module; filled by its own issue.
public enum PRIMAVision {}
