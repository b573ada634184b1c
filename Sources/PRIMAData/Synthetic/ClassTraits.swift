import PRIMATensor

/// How each synthetic PAD-UFES-20 class looks and presents. Look-alike pairs (ACK/SCC, NEV/MEL) share
/// colour and texture and differ mainly in size and history, which the metadata carries.
struct ClassTraits {
    /// Mean and SD of age.
    let age: (Double, Double)
    /// Mean lesion diameter in mm.
    let diameter: Double
    /// Probabilities of itch, grew, hurt, changed, bleed, elevation.
    let history: [Double]
    /// Weights over ``PADUFES/regions`` (alphabetical: abdomen, arm, back, chest, ear, face, foot, forearm,
    /// hand, lip, neck, nose, scalp, thigh).
    let regionWeights: [Double]
    let color: (Double, Double, Double)
    let textures: [Double]
    let irregularity: Double
    let relativeRadius: Double

    static func of(_ d: PADUFESDiagnosis) -> ClassTraits {
        func regions(_ weights: [String: Double]) -> [Double] { PADUFES.regions.map { weights[$0] ?? 0.3 } }
        switch d {
        case .ACK:
            return ClassTraits(age: (63, 10), diameter: 6, history: [0.6, 0.2, 0.15, 0.1, 0.1, 0.35],
                               regionWeights: regions(["FACE": 4, "FOREARM": 4, "HAND": 2, "ARM": 2]),
                               color: (0.80, 0.42, 0.38), textures: [0, 1, 0, 0, 0], irregularity: 0.3, relativeRadius: 0.2)
        case .SCC:
            return ClassTraits(age: (68, 11), diameter: 14, history: [0.6, 0.8, 0.5, 0.4, 0.6, 0.8],
                               regionWeights: regions(["FACE": 3, "HAND": 3, "FOREARM": 2, "LIP": 2, "EAR": 1, "SCALP": 1]),
                               color: (0.78, 0.40, 0.36), textures: [0, 0.6, 0, 0, 0.4], irregularity: 0.35, relativeRadius: 0.24)
        case .NEV:
            return ClassTraits(age: (32, 13), diameter: 5, history: [0.15, 0.15, 0.05, 0.1, 0.05, 0.5],
                               regionWeights: regions(["BACK": 3, "CHEST": 2, "FACE": 2, "ABDOMEN": 2, "ARM": 1]),
                               color: (0.45, 0.28, 0.18), textures: [1, 0, 0, 0, 0], irregularity: 0.1, relativeRadius: 0.16)
        case .MEL:
            return ClassTraits(age: (57, 15), diameter: 13, history: [0.3, 0.6, 0.1, 0.75, 0.3, 0.5],
                               regionWeights: regions(["BACK": 3, "ARM": 2, "CHEST": 2, "THIGH": 2, "FACE": 1]),
                               color: (0.38, 0.24, 0.16), textures: [1, 0, 0, 0, 0], irregularity: 0.3, relativeRadius: 0.22)
        case .BCC:
            return ClassTraits(age: (62, 12), diameter: 10, history: [0.55, 0.65, 0.2, 0.3, 0.55, 0.7],
                               regionWeights: regions(["FACE": 5, "NOSE": 3, "BACK": 2, "CHEST": 2, "EAR": 1, "NECK": 1]),
                               color: (0.88, 0.62, 0.62), textures: [0, 0, 0, 1, 0], irregularity: 0.15, relativeRadius: 0.2)
        case .SEK:
            return ClassTraits(age: (60, 12), diameter: 9, history: [0.4, 0.3, 0.05, 0.1, 0.1, 0.75],
                               regionWeights: regions(["CHEST": 3, "BACK": 3, "FACE": 2, "ABDOMEN": 1, "NECK": 1]),
                               color: (0.50, 0.36, 0.24), textures: [0, 0, 1, 0, 0], irregularity: 0.2, relativeRadius: 0.2)
        }
    }

    /// A lesion's look: the class colour jittered per lesion, a texture drawn from the class's mix.
    func look(using rng: inout RandomGenerator) -> LesionLook {
        func jitter(_ x: Double) -> Double { min(1, max(0, x + rng.normal(0, 0.05))) }
        return LesionLook(color: (jitter(color.0), jitter(color.1), jitter(color.2)), irregularity: irregularity,
                          texture: rng.choose(textures), relativeRadius: relativeRadius * (1 + rng.normal(0, 0.1)),
                          phases: (rng.nextDouble() * 6.283, rng.nextDouble() * 6.283))
    }

    /// Skin colour of a Fitzpatrick type (light to dark); unknown types get type 2.
    static func skin(fitzpatrick: Int?) -> (Double, Double, Double) {
        let t = Double((fitzpatrick ?? 2) - 1) / 5
        return (0.93 - 0.45 * t, 0.78 - 0.42 * t, 0.68 - 0.40 * t)
    }
}
