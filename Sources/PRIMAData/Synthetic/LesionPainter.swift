import Foundation
import PRIMATensor

/// Paints a synthetic skin-lesion photo: skin of a given tone with noise, and an elliptical lesion whose
/// colour, border irregularity and texture depend on its look. Several photos of one lesion share the look
/// and differ in framing, size, rotation and noise.
struct LesionLook: Sendable {
    /// Lesion colour (RGB in [0, 1]).
    var color: (Double, Double, Double)
    /// 0 = smooth ellipse, 1 = strongly irregular border.
    var irregularity: Double
    /// Texture: 0 none, 1 speckle, 2 stripes, 3 bright rim, 4 pale centre.
    var texture: Int
    /// Lesion radius as a fraction of the image's shorter side.
    var relativeRadius: Double
    /// Fixed per lesion: border wobble phases.
    var phases: (Double, Double)
}

enum LesionPainter {
    /// Paints a `width × height` photo of a lesion with `look` on skin of `skin` colour.
    static func paint(width: Int, height: Int, look: LesionLook, skin: (Double, Double, Double),
                      using rng: inout RandomGenerator) -> RGBImage {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        let side = Double(min(width, height))
        let cx = Double(width) * (0.5 + rng.normal(0, 0.06)), cy = Double(height) * (0.5 + rng.normal(0, 0.06))
        let radius = max(2, side * look.relativeRadius * (1 + rng.normal(0, 0.08)))
        let aspect = 1 + abs(rng.normal(0, 0.2)), angle = rng.nextDouble() * Double.pi
        let cosA = cos(angle), sinA = sin(angle)
        let noise = 0.04
        let lesion = [look.color.0, look.color.1, look.color.2], skinRGB = [skin.0, skin.1, skin.2]
        for y in 0..<height {
            for x in 0..<width {
                let dx = Double(x) - cx, dy = Double(y) - cy
                let u = (dx * cosA + dy * sinA) / aspect, v = -dx * sinA + dy * cosA
                let r = (u * u + v * v).squareRoot()
                let theta = atan2(v, u)
                let border = radius * (1 + look.irregularity * 0.25 * (sin(3 * theta + look.phases.0) + sin(5 * theta + look.phases.1)))
                let inside = r / border
                var shade = 1.0
                switch look.texture {
                case 1: shade = rng.chance(0.3) ? 0.8 : 1.05
                case 2: shade = sin(Double(x + y) * 0.9) > 0.3 ? 0.75 : 1.0
                case 3: shade = inside > 0.75 ? 1.35 : 1.0
                case 4: shade = inside < 0.45 ? 1.5 : 1.0
                default: break
                }
                // Soft edge over the outer 15% of the radius.
                let weight = min(1, max(0, (1.0 - inside) / 0.15))
                let base = 3 * (y * width + x)
                for c in 0..<3 {
                    let value = weight * min(1, lesion[c] * shade) + (1 - weight) * skinRGB[c] + rng.normal(0, noise)
                    pixels[base + c] = UInt8((min(max(value, 0), 1) * 255).rounded())
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}
