/// Makes every long option also readable from an environment variable: `--flush-interval`
/// from `SLUICE_FLUSH_INTERVAL`. Values from the environment come first, so the same option
/// given on the command line wins (swift-argument-parser keeps the last value).
enum EnvironmentArguments {
    static func variableName(for option: String) -> String {
        "SLUICE_" + option.uppercased().replacingOccurrences(of: "-", with: "_")
    }

    /// `arguments` with `--option value` pairs for each option set in `environment` prepended.
    static func merge(arguments: [String], options: [String], environment: [String: String]) -> [String] {
        var merged: [String] = []
        for option in options {
            if let value = environment[variableName(for: option)], !value.isEmpty {
                merged.append("--\(option)")
                merged.append(value)
            }
        }
        return merged + arguments
    }
}

extension String {
    fileprivate func replacingOccurrences(of target: Character, with replacement: Character) -> String {
        String(map { $0 == target ? replacement : $0 })
    }
}
