import Foundation

/// Smart modules of projects.
public protocol SmartModuleRepository: Sendable {
    func insert(_ module: SmartModule) async throws
    func get(projectId: Int, id: String) async throws -> SmartModule?
    func list(projectId: Int) async throws -> [SmartModule]
}
