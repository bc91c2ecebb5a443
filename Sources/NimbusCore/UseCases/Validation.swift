import Foundation

/// Checks and normalises the values clients send, with the errors the dialects render.
enum Validation {
    static func email(_ raw: String) throws -> String {
        let email = raw.trimmingCharacters(in: .whitespaces).lowercased()
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.count <= 254, !containsControlCharacters(email), parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !parts[1].hasPrefix("."), !parts[1].hasSuffix("."), !email.contains(where: \.isWhitespace)
        else { throw NimbusError.rejected(.invalidEmail) }
        return email
    }

    /// E.164: `+` and 8 to 15 digits; spaces, dashes, dots and parentheses are dropped first.
    static func phoneNumber(_ raw: String) throws -> String {
        let compact = raw.filter { !" -.()".contains($0) }
        guard compact.hasPrefix("+") else { throw NimbusError.rejected(.invalidPhoneNumber) }
        let digits = compact.dropFirst()
        guard (8...15).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw NimbusError.rejected(.invalidPhoneNumber)
        }
        return compact
    }

    static func password(_ password: String) throws {
        guard password.count >= 8 else { throw NimbusError.rejected(.passwordTooShort) }
        guard password.utf8.count <= 72 else {
            // bcrypt reads only the first 72 bytes; a longer password would be silently truncated.
            throw NimbusError.invalidInput(field: "password", reason: "at most 72 bytes")
        }
    }

    /// Letters, digits, `_` and `-`, starting and ending with a letter or digit, 1–64 characters.
    static func keyValueKey(_ key: String) throws {
        let allowed = key.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
        guard allowed, (1...64).contains(key.count), let first = key.first, let last = key.last,
            first.isLetter || first.isNumber, last.isLetter || last.isNumber
        else { throw NimbusError.rejected(.invalidKey) }
    }

    /// A value the request must carry.
    static func required<T>(_ value: T?, _ field: String) throws -> T {
        guard let value else { throw NimbusError.invalidInput(field: field, reason: "required") }
        return value
    }

    /// A text value the request must carry, where empty counts as missing.
    static func requiredText(_ value: String?, _ field: String) throws -> String {
        guard let value, !value.isEmpty else { throw NimbusError.invalidInput(field: field, reason: "required") }
        return value
    }

    /// A required text field of bounded length, without control characters (see `plainText`).
    static func text(_ value: String, field: String, maxLength: Int = 256, allowEmpty: Bool = false) throws -> String {
        try plainText(value, field: field)
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard allowEmpty || !trimmed.isEmpty else { throw NimbusError.invalidInput(field: field, reason: "must not be empty") }
        guard trimmed.count <= maxLength else { throw NimbusError.invalidInput(field: field, reason: "at most \(maxLength) characters") }
        return trimmed
    }

    /// A name or type of 1 to `maxLength` characters, kept as given (event types, command actions), without
    /// control characters.
    static func type(_ value: String, field: String, maxLength: Int = 256) throws {
        guard (1...maxLength).contains(value.count) else { throw NimbusError.invalidInput(field: field, reason: "1 to \(maxLength) characters") }
        try plainText(value, field: field)
    }

    /// Refuses control characters other than tab and newline (C0, DEL and C1, CR included). A NUL would
    /// be cut off by C strings downstream (SQLite's text functions, mail, logs), and CR or the others have
    /// no place in a name; clients are told instead of having the text silently changed.
    static func plainText(_ value: String, field: String) throws {
        guard !containsControlCharacters(value) else {
            throw NimbusError.invalidInput(field: field, reason: "control characters other than tab and newline are not allowed")
        }
    }

    static func containsControlCharacters(_ value: String) -> Bool {
        value.unicodeScalars.contains { $0.properties.generalCategory == .control && $0 != "\t" && $0 != "\n" }
    }

    /// An identifier chosen by an administrator (app ids, device classes, module ids).
    static func identifier(_ value: String, field: String) throws -> String {
        guard (1...64).contains(value.count),
            value.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_-.".contains($0)) })
        else { throw NimbusError.invalidInput(field: field, reason: "1-64 letters, digits, '_', '-' or '.'") }
        return value
    }
}
