import Testing
@testable import PRIMANN
import PRIMATensor
@Test func smoke() { #expect(Tensor([1, 2]).count == 2) }
