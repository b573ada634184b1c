/// Namespace of the PRIMAText module; filled by its own issue.
public enum PRIMAText {}
