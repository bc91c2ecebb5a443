import Foundation
import NIOCore

/// The console's files (`Web/`, a resource of this module), read once at start into memory: a few dozen small files
/// that never change while the server runs, so a request never touches the disk and no path a client sends can name
/// a file outside them.
struct ConsoleFiles: Sendable {
    struct File: Sendable {
        let body: ByteBuffer
        let contentType: String
    }

    /// Keyed by their path below `Web/`: `index.html`, `js/app.js`.
    let files: [String: File]

    /// Reads `Web/` from the module's bundle. A missing folder is a broken build or install (the `*.resources` folders
    /// must stay next to the binary), so the server stops at start rather than serve a console without its files.
    static func load(bundle: Bundle = .module) -> ConsoleFiles {
        guard let root = bundle.url(forResource: "Web", withExtension: nil) else {
            preconditionFailure("the console's files (Web/) are missing from \(bundle.bundlePath)")
        }
        var files: [String: File] = [:]
        let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey])
        let prefix = root.standardizedFileURL.path + "/"
        while let url = enumerator?.nextObject() as? URL {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true,
                  let data = try? Data(contentsOf: url), let type = contentTypes[url.pathExtension] else { continue }
            let path = String(url.standardizedFileURL.path.dropFirst(prefix.count))
            files[path] = File(body: ByteBuffer(bytes: data), contentType: type)
        }
        return ConsoleFiles(files: files)
    }

    /// The types of what the console is made of; a file of another kind in `Web/` is not served.
    static let contentTypes = [
        "html": "text/html; charset=utf-8", "css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8",
        "svg": "image/svg+xml", "png": "image/png", "json": "application/json",
    ]
}
