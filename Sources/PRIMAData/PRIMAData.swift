/// Namespace of the PRIMAData module; filled by its own issue.
public enum PRIMAData {}
