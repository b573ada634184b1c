import PRIMAAlign
import PRIMAText
import PRIMATensor

/// The frozen encoders' features of a set of samples, computed once and batched for stage 3.
///
/// Both encoders are frozen after stage 2, so their outputs never change during stage 3: encode every sample once
/// (in batches, under `noGrad`), keep the features here, and train the fusion classifier on them.
/// Every tensor's first axis is the sample; text features are right-padded to the longest text of the set, and a
/// batch is trimmed to its own longest text.
public struct FusionFeatureSet: Sendable {
    /// Sample identifiers, in order.
    public let ids: [String]
    /// Class indices, in order.
    public let labels: [Int]
    /// One `ImageFeatures` per view, each over all samples (`global [N, D]`, `tokens [N, K, D]` or nil, grid).
    public let views: [ImageFeatures]
    /// The text features of all samples (`cls [N, Dt]`, `tokens [N, L, Dt]`, `mask`/`wordMask [N, L]`).
    public let text: TextFeatures

    /// A set from features over all samples.
    /// - Throws: ``FusionError`` naming the part whose first axis is not the number of ids, a label count that
    ///   differs, views that disagree in grid or width, or text tokens and masks of different shapes.
    public init(ids: [String], labels: [Int], views: [ImageFeatures], text: TextFeatures) throws {
        let source = "fusion feature set"
        let n = ids.count
        guard labels.count == n else { throw FusionError(source, "\(labels.count) labels for \(n) samples") }
        guard let first = views.first else { throw FusionError(source, "no image view") }
        for (v, view) in views.enumerated() {
            guard view.global.rank == 2, view.global.shape[0] == n, view.global.shape[1] == first.global.shape[1] else {
                throw FusionError(source, "view \(v): image global features \(view.global.shape) for \(n) samples of width \(first.global.shape[1])")
            }
            guard view.grid == first.grid, (view.tokens == nil) == (first.tokens == nil) else {
                throw FusionError(source, "view \(v): patch tokens or grid differ from view 0's")
            }
            if let tokens = view.tokens, tokens.rank != 3 || tokens.shape[0] != n || tokens.shape[1] != (view.grid?.count ?? -1) {
                throw FusionError(source, "view \(v): patch tokens \(tokens.shape) for \(n) samples on grid \(view.grid.map { "\($0.height)×\($0.width)" } ?? "none")")
            }
        }
        guard text.cls.rank == 2, text.cls.shape[0] == n, text.tokens.rank == 3, text.tokens.shape[0] == n,
              text.mask.shape == Array(text.tokens.shape.prefix(2)), text.wordMask.shape == text.mask.shape else {
            throw FusionError(source, "text features cls \(text.cls.shape), tokens \(text.tokens.shape), mask \(text.mask.shape), word mask \(text.wordMask.shape) for \(n) samples")
        }
        self.ids = ids
        self.labels = labels
        self.views = views.map { ImageFeatures(global: $0.global.detached(), tokens: $0.tokens?.detached(), grid: $0.grid) }
        self.text = TextFeatures(cls: text.cls.detached(), tokens: text.tokens.detached(), mask: text.mask.detached(),
                                 wordMask: text.wordMask.detached())
    }

    /// Number of samples.
    public var count: Int { ids.count }

    /// The sets one after the other (e.g. the encoder's batches), texts right-padded to the longest.
    /// - Throws: ``FusionError`` when the sets have different view counts, grids or widths.
    public static func concatenating(_ sets: [FusionFeatureSet]) throws -> FusionFeatureSet {
        guard let first = sets.first else { throw FusionError("fusion feature set", "nothing to concatenate") }
        guard sets.allSatisfy({ $0.views.count == first.views.count }) else {
            throw FusionError("fusion feature set", "sets with different numbers of views: \(sets.map(\.views.count))")
        }
        let views = try (0..<first.views.count).map { v -> ImageFeatures in
            let parts = sets.map { $0.views[v] }
            guard parts.allSatisfy({ $0.grid == parts[0].grid && ($0.tokens == nil) == (parts[0].tokens == nil)
                                     && $0.global.shape.last == parts[0].global.shape.last }) else {
                throw FusionError("fusion feature set", "view \(v) differs in grid or width between the sets")
            }
            let tokens = parts[0].tokens == nil ? nil : Tensor.concat(parts.map { $0.tokens! }, axis: 0)
            return ImageFeatures(global: Tensor.concat(parts.map(\.global), axis: 0), tokens: tokens, grid: parts[0].grid)
        }
        let length = sets.map { $0.text.tokens.shape[1] }.max() ?? 0
        guard Set(sets.map { $0.text.tokens.shape[2] }).count == 1, Set(sets.map { $0.text.cls.shape[1] }).count == 1 else {
            throw FusionError("fusion feature set", "text feature widths differ between the sets")
        }
        func padded(_ t: Tensor) -> Tensor { t.shape[1] == length ? t : t.padded(axis: 1, before: 0, after: length - t.shape[1]) }
        let text = TextFeatures(cls: Tensor.concat(sets.map(\.text.cls), axis: 0),
                                tokens: Tensor.concat(sets.map { padded($0.text.tokens) }, axis: 0),
                                mask: Tensor.concat(sets.map { padded($0.text.mask) }, axis: 0),
                                wordMask: Tensor.concat(sets.map { padded($0.text.wordMask) }, axis: 0))
        return try FusionFeatureSet(ids: sets.flatMap(\.ids), labels: sets.flatMap(\.labels), views: views, text: text)
    }

    /// The samples at `indices`, as one batch: views, text (trimmed to the batch's longest real text) and labels `[B]`.
    public func batch(_ indices: [Int]) -> (views: [ImageFeatures], text: TextFeatures, labels: Tensor) {
        precondition(!indices.isEmpty && indices.allSatisfy { (0..<count).contains($0) }, "batch indices \(indices) outside 0..<\(count)")
        let index = Tensor(indices.map(Float.init))
        let views = self.views.map { ImageFeatures(global: $0.global.indexSelect(axis: 0, indices: index),
                                                   tokens: $0.tokens?.indexSelect(axis: 0, indices: index), grid: $0.grid) }
        let mask = text.mask.indexSelect(axis: 0, indices: index)
        let l = mask.shape[1], values = mask.scalars
        let used = min(l, max(1, (0..<indices.count).map { i in ((0..<l).last { values[i * l + $0] != 0 } ?? -1) + 1 }.max() ?? 1))
        func rows(_ t: Tensor) -> Tensor {
            let picked = t.indexSelect(axis: 0, indices: index)
            return used == l ? picked : picked.narrowed(axis: 1, start: 0, length: used)
        }
        let batchText = TextFeatures(cls: text.cls.indexSelect(axis: 0, indices: index), tokens: rows(text.tokens),
                                     mask: rows(text.mask), wordMask: rows(text.wordMask))
        return (views, batchText, Tensor(indices.map { Float(labels[$0]) }))
    }
}
