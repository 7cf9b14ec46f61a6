import SluiceSupport
import Testing

@Suite struct DurationBucketsTests {
    @Test func bounds_AreInclusive_AndBeyondTheLastIsInf() {
        let buckets = DurationBuckets(upperBoundsSeconds: [0.001, 0.01])
        #expect(buckets.slotCount == 4)
        #expect(buckets.bucketIndex(nanoseconds: 0) == 0)
        #expect(buckets.bucketIndex(nanoseconds: 1_000_000) == 0)
        #expect(buckets.bucketIndex(nanoseconds: 1_000_001) == 1)
        #expect(buckets.bucketIndex(nanoseconds: 10_000_000) == 1)
        #expect(buckets.bucketIndex(nanoseconds: 10_000_001) == 2)
        #expect(buckets.bucketIndex(nanoseconds: .max) == 2)
    }

    @Test func observations_AreCumulated_WithTheirSum() {
        let buckets = DurationBuckets(upperBoundsSeconds: [0.001, 0.01])
        let slab = CounterSlab(count: buckets.slotCount)
        for nanoseconds: UInt64 in [500_000, 2_000_000, 3_000_000, 50_000_000] {
            buckets.observe(nanoseconds: nanoseconds, in: slab, at: 0)
        }
        #expect(buckets.cumulativeCounts(in: slab, at: 0) == [1, 3, 4])
        #expect(buckets.sumNanoseconds(in: slab, at: 0) == 55_500_000)
    }

    @Test func histograms_SideBySideInOneSlab_StayApart() {
        let buckets = DurationBuckets(upperBoundsSeconds: [0.001])
        let slab = CounterSlab(count: 2 * buckets.slotCount)
        buckets.observe(nanoseconds: 10, in: slab, at: 0)
        buckets.observe(nanoseconds: 5_000_000, in: slab, at: buckets.slotCount)
        buckets.observe(nanoseconds: 6_000_000, in: slab, at: buckets.slotCount)
        #expect(buckets.cumulativeCounts(in: slab, at: 0) == [1, 1])
        #expect(buckets.cumulativeCounts(in: slab, at: buckets.slotCount) == [0, 2])
        #expect(buckets.sumNanoseconds(in: slab, at: 0) == 10)
        #expect(buckets.sumNanoseconds(in: slab, at: buckets.slotCount) == 11_000_000)
    }

    @Test func itemRejectionLabels_AreDistinctPrometheusLabelValues() {
        let labels = ItemRejectionReason.allCases.map(\.label)
        #expect(Set(labels).count == labels.count)
        #expect(labels.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy { $0 == UInt8(ascii: "_") || ($0 >= 0x61 && $0 <= 0x7A) } })
    }
}
