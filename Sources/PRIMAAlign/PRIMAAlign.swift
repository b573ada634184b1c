/// PRIMAAlign: stage 2 of PRIMA — projection heads, the four alignment losses (image consistency, global,
/// local and soft semantic) behind one `AlignmentLoss` protocol, and the alignment trainer.
///
/// Not built yet: no issue covers it so far. The encoders it aligns (`PRIMAVision` DINOv3 and
/// `PRIMAText` text encoders) are in place.
public enum PRIMAAlign {}
