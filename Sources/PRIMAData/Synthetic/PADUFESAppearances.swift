import PRIMATensor

/// What the synthetic PAD-UFES-20 photos show. A lesion takes one of six appearances, drawn from its class's
/// mix, so a photo shifts the odds rather than naming the class: the keratinocyte lesions (ACK, BCC, SCC)
/// share the scaly, pearly and ulcerated looks in different proportions, melanoma is mostly dark and
/// variegated but sometimes a uniform brown like a nevus, and SEK is mostly tan and striped. The lesion's
/// size in the photo does not depend on its class (photos are framed around the lesion), so the diameters
/// are metadata-only signal.
enum PADUFESAppearances {
    /// The appearances: colour, border irregularity and texture (see ``LesionLook``).
    static let prototypes: [(color: (Double, Double, Double), irregularity: Double, texture: Int)] = [
        ((0.82, 0.48, 0.44), 0.30, 1),  // scaly pink (speckle)
        ((0.90, 0.66, 0.64), 0.15, 3),  // pearly (bright rim)
        ((0.72, 0.32, 0.30), 0.35, 4),  // ulcerated red (pale centre)
        ((0.48, 0.30, 0.20), 0.10, 0),  // uniform brown
        ((0.30, 0.18, 0.12), 0.45, 1),  // dark, variegated (speckle), irregular
        ((0.60, 0.46, 0.30), 0.20, 2),  // tan, stuck-on (stripes)
    ]

    /// Per class (``PADUFESDiagnosis`` order), the weights of the appearances above.
    static let mix: [[Double]] = [
        [0.60, 0.10, 0.20, 0.00, 0.00, 0.10],  // ACK
        [0.15, 0.60, 0.15, 0.05, 0.00, 0.05],  // BCC
        [0.00, 0.00, 0.05, 0.35, 0.55, 0.05],  // MEL
        [0.00, 0.05, 0.00, 0.70, 0.10, 0.15],  // NEV
        [0.30, 0.15, 0.50, 0.00, 0.00, 0.05],  // SCC
        [0.10, 0.05, 0.00, 0.15, 0.10, 0.60],  // SEK
    ]

    /// A lesion's look: an appearance from its class's mix, the colour jittered, the size independent of the class.
    static func look(for d: PADUFESDiagnosis, using rng: inout RandomGenerator) -> LesionLook {
        let p = prototypes[rng.choose(mix[d.index])]
        func jitter(_ x: Double) -> Double { min(1, max(0, x + rng.normal(0, 0.05))) }
        return LesionLook(color: (jitter(p.color.0), jitter(p.color.1), jitter(p.color.2)), irregularity: p.irregularity,
                          texture: p.texture, relativeRadius: 0.15 + 0.1 * rng.nextDouble(),
                          phases: (rng.nextDouble() * 6.283, rng.nextDouble() * 6.283))
    }

    /// Skin colour of a Fitzpatrick type (light to dark); unknown types get type 2.
    static func skin(fitzpatrick: Int?) -> (Double, Double, Double) {
        let t = Double((fitzpatrick ?? 2) - 1) / 5
        return (0.93 - 0.45 * t, 0.78 - 0.42 * t, 0.68 - 0.40 * t)
    }
}
