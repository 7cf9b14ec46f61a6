/// Number formatting for reports, without Foundation: fixed decimals, thousands separators,
/// binary byte units.
package enum NumberFormat {
    /// `value` with exactly `decimals` digits after the point: `fixed(3.14159, 2)` is "3.14".
    package static func fixed(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e18 else { return String(value) }
        let units = Int(scaled)
        let whole = units / Int(scale)
        let sign = value < 0 && units != 0 ? "-" : ""
        guard decimals > 0 else { return sign + String(whole) }
        var fraction = String(units % Int(scale))
        fraction = String(repeating: "0", count: decimals - fraction.count) + fraction
        return sign + String(whole) + "." + fraction
    }

    /// An integer with thousands separators: `grouped(1234567)` is "1,234,567".
    package static func grouped(_ value: Int) -> String {
        let digits = Array(String(value.magnitude))
        var out = value < 0 ? "-" : ""
        for (index, digit) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { out.append(",") }
            out.append(digit)
        }
        return out
    }

    /// `fixed` with thousands separators: `groupedFixed(10764.42, 1)` is "10,764.4".
    package static func groupedFixed(_ value: Double, _ decimals: Int) -> String {
        let text = fixed(value, decimals)
        guard value.isFinite, abs(value) < 9e18 else { return text }
        let parts = text.split(separator: ".", maxSplits: 1)
        let whole = grouped(Int(parts[0]) ?? 0)
        let sign = text.hasPrefix("-") && !whole.hasPrefix("-") ? "-" : ""
        return sign + whole + (parts.count > 1 ? "." + parts[1] : "")
    }

    /// A byte count in KiB/MiB/GiB with one decimal: `bytes(12_582_912)` is "12.0 MiB".
    package static func bytes(_ value: Double) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var scaled = abs(value)
        var unit = 0
        while scaled >= 1024, unit < units.count - 1 {
            scaled /= 1024
            unit += 1
        }
        let sign = value < 0 ? "-" : ""
        return sign + (unit == 0 ? fixed(scaled, 0) : fixed(scaled, 1)) + " " + units[unit]
    }

    /// Milliseconds with 3 significant-ish decimals: "0.912", "12.3", "1530".
    package static func milliseconds(_ value: Double) -> String {
        if value < 10 { return fixed(value, 3) }
        if value < 100 { return fixed(value, 2) }
        if value < 1_000 { return fixed(value, 1) }
        return fixed(value, 0)
    }
}
