import PRIMATensor

extension ImageOps {
    /// `clamp(image · factor, 0, 1)` (torchvision's `adjust_brightness`).
    public static func adjustBrightness(_ image: Tensor, factor: Float) -> Tensor {
        precondition(factor >= 0, "brightness factor \(factor) is negative")
        let output = Tensor(uninitializedShape: image.shape)
        let src = image.storage.pointer, dst = output.storage.pointer
        for i in 0..<image.count { dst[i] = min(max(src[i] * factor, 0), 1) }
        return output
    }

    /// Blends the image with the mean of its grey version: `clamp(factor · image + (1 − factor) · mean, 0, 1)`
    /// (torchvision's `adjust_contrast`).
    public static func adjustContrast(_ image: Tensor, factor: Float) -> Tensor {
        precondition(factor >= 0, "contrast factor \(factor) is negative")
        let grey = greyPlane(image)
        let mean = grey.reduce(Float(0), +) / Float(grey.count)
        let output = Tensor(uninitializedShape: image.shape)
        let src = image.storage.pointer, dst = output.storage.pointer
        let offset = (1 - factor) * mean
        for i in 0..<image.count { dst[i] = min(max(src[i] * factor + offset, 0), 1) }
        return output
    }

    /// Blends each pixel with its grey value: `clamp(factor · image + (1 − factor) · grey, 0, 1)`
    /// (torchvision's `adjust_saturation`; 0 gives a grey image, 1 the original).
    public static func adjustSaturation(_ image: Tensor, factor: Float) -> Tensor {
        precondition(factor >= 0, "saturation factor \(factor) is negative")
        let (channels, height, width) = chw(image)
        guard channels == 3 else { return image }
        let grey = greyPlane(image), plane = height * width
        let output = Tensor(uninitializedShape: image.shape)
        let src = image.storage.pointer, dst = output.storage.pointer
        for c in 0..<3 {
            for i in 0..<plane {
                dst[c * plane + i] = min(max(src[c * plane + i] * factor + grey[i] * (1 - factor), 0), 1)
            }
        }
        return output
    }

    /// Shifts every pixel's hue by `factor` of a full turn, `factor` in −0.5…0.5, through HSV
    /// (torchvision's `adjust_hue`; grey pixels are unchanged).
    public static func adjustHue(_ image: Tensor, factor: Float) -> Tensor {
        precondition(factor >= -0.5 && factor <= 0.5, "hue factor \(factor) is outside -0.5…0.5")
        let (channels, height, width) = chw(image)
        guard channels == 3 else { return image }
        let plane = height * width
        let output = Tensor(uninitializedShape: image.shape)
        let src = image.storage.pointer, dst = output.storage.pointer
        for i in 0..<plane {
            let r = src[i], g = src[plane + i], b = src[2 * plane + i]
            var (h, s, v) = rgbToHSV(r, g, b)
            // (h + factor) mod 1 for h + factor in [-0.5, 1.5): the subtraction is exact there (Sterbenz), so this
            // equals `truncatingRemainder(dividingBy: 1)` bit for bit without a call to fmodf per pixel.
            h += factor
            if h >= 1 { h -= 1 } else if h < 0 { h += 1 }
            let rgb = hsvToRGB(h, s, v)
            dst[i] = rgb.0
            dst[plane + i] = rgb.1
            dst[2 * plane + i] = rgb.2
        }
        return output
    }

    /// ITU-R 601 luma with torchvision's coefficients (0.2989, 0.587, 0.114), one value per pixel.
    static func greyPlane(_ image: Tensor) -> [Float] {
        let (channels, height, width) = chw(image)
        let plane = height * width, src = image.storage.pointer
        guard channels == 3 else { return Array(UnsafeBufferPointer(start: src, count: plane)) }
        var grey = [Float](repeating: 0, count: plane)
        for i in 0..<plane { grey[i] = src[i] * 0.2989 + src[plane + i] * 0.587 + src[2 * plane + i] * 0.114 }
        return grey
    }

    /// Hue in [0, 1), saturation, value — the formulas of torchvision's `_rgb_to_hsv`.
    private static func rgbToHSV(_ r: Float, _ g: Float, _ b: Float) -> (Float, Float, Float) {
        let maxc = max(r, g, b), minc = min(r, g, b)
        guard maxc != minc else { return (0, 0, maxc) }
        let range = maxc - minc
        let s = range / maxc
        let rc = (maxc - r) / range, gc = (maxc - g) / range, bc = (maxc - b) / range
        let h: Float
        if maxc == r { h = bc - gc } else if maxc == g { h = 2 + rc - bc } else { h = 4 + gc - rc }
        // h/6 + 1 lies in [5/6, 11/6], where `mod 1` is one exact subtraction.
        let shifted = h * (1 / 6) + 1
        return (shifted >= 1 ? shifted - 1 : shifted, s, maxc)
    }

    /// RGB from hue, saturation, value — torchvision's `_hsv_to_rgb` (sector by sector, p/q/t clamped to [0, 1]).
    private static func hsvToRGB(_ h: Float, _ s: Float, _ v: Float) -> (Float, Float, Float) {
        let h6 = h * 6
        let sector = Float(Int(h6))  // floor, as h6 >= 0; a conversion instead of a call to floorf per pixel
        let f = h6 - sector
        let q = min(max((1 - s * f) * v, 0), 1)
        let t = min(max((s * f + (1 - s)) * v, 0), 1)
        let p = min(max((1 - s) * v, 0), 1)
        var i = Int(sector) % 6
        if i < 0 { i += 6 }
        switch i {
        case 0: return (v, t, p)
        case 1: return (q, v, p)
        case 2: return (p, v, t)
        case 3: return (p, q, v)
        case 4: return (t, p, v)
        default: return (v, p, q)
        }
    }
}
