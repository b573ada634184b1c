/// Namespace of the PRIMANN module; filled by its own issue.
public enum PRIMANN {}
