/// Namespace of the PRIMAAlign module; filled by its own issue.
public enum PRIMAAlign {}
