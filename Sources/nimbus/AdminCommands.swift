import ArgumentParser
import Foundation
import Logging
import NimbusCore
import NimbusServer

/// JSON fields of the objects the admin commands print.
enum AdminJSON {
    static func time(_ date: Date) -> JSONValue { .string(Timestamp.rfc3339(date)) }
    static func int(_ value: Int) -> JSONValue { .number(Double(value)) }
}

struct ProjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "project", abstract: "Manage projects.", subcommands: [Create.self, Retention.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a project and print it.")
        @OptionGroup var store: StoreOptions
        @Option var name: String
        @Option(help: "email, phone or byou") var accounts: Project.AccountMode
        @Option(help: "claim or on-demand") var provisioning: Project.Provisioning = .claim

        func run() async throws {
            try await AdminRunner(options: store).run { admin in
                let project = try await admin.createProject(name: name, accountMode: accounts, provisioning: provisioning, by: .system)
                return [
                    "id": AdminJSON.int(project.id), "name": .string(project.name), "accounts": .string(project.accountMode.rawValue),
                    "provisioning": .string(project.provisioning.rawValue), "creationTime": AdminJSON.time(project.creationTime),
                ]
            }
        }
    }
}

extension ProjectCommand {
    struct Retention: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set how long a project keeps its raw readings and per-minute rollups (hour and day rollups are always kept).")
        @OptionGroup var store: StoreOptions
        @Option var project: Int
        @Option(help: "days raw readings are kept; 0 keeps them for ever") var readingsDays: Int = 0
        @Option(help: "days per-minute rollups are kept (at least --readings-days); 0 keeps them for ever") var minuteRollupsDays: Int = 0

        func run() async throws {
            try await AdminRunner(options: store).run { admin in
                let retention = try await admin.setReadingRetention(
                    projectId: project, readingDays: readingsDays == 0 ? nil : readingsDays,
                    minuteRollupDays: minuteRollupsDays == 0 ? nil : minuteRollupsDays, by: .system)
                return [
                    "projectId": AdminJSON.int(retention.projectId), "readingsDays": retention.readingDays.map(AdminJSON.int) ?? .null,
                    "minuteRollupsDays": retention.minuteRollupDays.map(AdminJSON.int) ?? .null,
                ]
            }
        }
    }
}

struct AppCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "app", abstract: "Manage apps.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an app and print it.")
        @OptionGroup var store: StoreOptions
        @Option var project: Int
        @Option(help: "The app id: MODE's appId, the OAuth client_id and Cayenne's application_id.") var id: String
        @Option var name: String?
        @Option(name: .customLong("redirect-uri"), help: "A redirect URI the OAuth authorization step may return to (repeatable).")
        var redirectURIs: [String] = []
        @Flag(help: "Give the app a client secret (printed once as `secret`); without it the app is a public client that must use PKCE.")
        var confidential = false
        @Flag(name: .customLong("allow-signup"), help: "Let anyone sign up into the project through this app.") var allowSignup = false

        func run() async throws {
            try await AdminRunner(options: store).run { admin in
                let (app, redirects, secret) = try await admin.createApp(
                    projectId: project, id: id, name: name, redirectURIs: redirectURIs, confidential: confidential,
                    allowsSignUp: allowSignup, by: .system)
                var output: [String: JSONValue] = [
                    "id": .string(app.id), "projectId": AdminJSON.int(app.projectId), "name": .string(app.name),
                    "confidential": .bool(app.isConfidential), "allowSignup": .bool(app.allowsSignUp),
                    "redirectUris": .array(redirects.map { .string($0.uri) }), "creationTime": AdminJSON.time(app.creationTime),
                ]
                if let secret { output["secret"] = .string(secret) }
                return output
            }
        }
    }
}

struct KeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "key", abstract: "Manage project API keys.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a project API key; the key is printed only this once.")
        @OptionGroup var store: StoreOptions
        @Option var project: Int
        @Option var name: String
        @Option(help: "Comma-separated: \(ProjectKey.Permission.allCases.map(\.rawValue).joined(separator: ", ")).")
        var permissions: String = ""

        func run() async throws {
            var set = Set<ProjectKey.Permission>()
            for name in permissions.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
                guard let permission = ProjectKey.Permission(rawValue: name) else { throw ValidationError("unknown permission '\(name)'") }
                set.insert(permission)
            }
            try await AdminRunner(options: store).run { [set] admin in
                let (key, secret) = try await admin.createKey(projectId: project, name: name, permissions: set, by: .system)
                return [
                    "id": AdminJSON.int(key.id), "key": .string(secret), "name": .string(key.name), "projectId": AdminJSON.int(key.projectId),
                    "permissions": .array(key.permissions.sorted().map { .string($0.rawValue) }), "creationTime": AdminJSON.time(key.creationTime),
                ]
            }
        }
    }
}

struct DeviceClassCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "device-class", abstract: "Manage device classes.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a device class and print it.")
        @OptionGroup var store: StoreOptions
        @Option var project: Int
        @Option var id: String
        @Option var name: String?

        func run() async throws {
            try await AdminRunner(options: store).run { admin in
                let deviceClass = try await admin.createDeviceClass(projectId: project, id: id, name: name, by: .system)
                return [
                    "id": .string(deviceClass.id), "projectId": AdminJSON.int(deviceClass.projectId), "name": .string(deviceClass.name),
                    "creationTime": AdminJSON.time(deviceClass.creationTime),
                ]
            }
        }
    }
}

struct DeviceCLICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "device", abstract: "Manage devices.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a pre-provisioned device; its apiKey and claimCode are printed only this once.")
        @OptionGroup var store: StoreOptions
        @Option var project: Int
        @Option(name: .customLong("class")) var deviceClass: String
        @Option var tag: String?
        @Option var name: String?

        func run() async throws {
            try await AdminRunner(options: store).run { admin in
                let issued = try await admin.createDevice(projectId: project, deviceClass: deviceClass, tag: tag, name: name, by: .system)
                let device = issued.device
                return [
                    "id": AdminJSON.int(device.id), "uuid": .string(device.uuid.uuidString.lowercased()), "projectId": AdminJSON.int(device.projectId),
                    "deviceClass": .string(device.deviceClass), "name": .string(device.name), "tag": .string(device.tag),
                    "apiKey": .string(issued.apiKey), "claimCode": .string(issued.claimCode ?? ""), "creationTime": AdminJSON.time(device.creationTime),
                ]
            }
        }
    }
}

struct SmartModuleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "smart-module", abstract: "Manage smart modules.", subcommands: [Create.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a smart module (--type webhooks delivers events to --url; --type tsdb keeps device events' numbers as readings).")
        @OptionGroup var store: StoreOptions
        @Option var project: Int
        @Option var id: String
        @Option var type: String = "webhooks"
        @Option(help: "Webhook URL (webhooks modules).") var url: String?
        @Option(help: "Webhook signing key (webhooks modules).") var key: String?
        @Option(help: "Comma-separated event types, or * for all.") var events: String = "*"
        @Option var description: String?

        func run() async throws {
            var config: [String: JSONValue] = [:]
            config["url"] = url.map(JSONValue.string)
            config["key"] = key.map(JSONValue.string)
            let subscribed = events.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            try await AdminRunner(options: store).run { [config] admin in
                let module = try await admin.createSmartModule(
                    projectId: project, id: id, moduleType: type, description: description, subscribedEvents: subscribed, configData: config, by: .system)
                return [
                    "id": .string(module.id), "projectId": AdminJSON.int(module.projectId), "moduleType": .string(module.moduleType),
                    "description": .string(module.description), "subscribedEvents": .array(module.subscribedEvents.map(JSONValue.string)),
                    "creationTime": AdminJSON.time(module.creationTime),
                ]
            }
        }
    }
}

struct RuleTemplateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rule-template",
        abstract: "Define the rule templates the Cayenne sample app offers for a thing type (GET /cayenne/v1.0/applicationRule/{type}/{app}).",
        subcommands: [Set.self])

    struct Set: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Replace the templates of a thing type for an app with a JSON array read from --file.")
        @OptionGroup var store: StoreOptions
        @Option var project: Int
        @Option(help: "The thing type's id, as clients send it (a type's UUID or a built-in type's id).") var thingType: String
        @Option(help: "The app's id (the sample app sends its app key).") var app: String
        @Option(help: "A file with a JSON array of rule objects, or - for standard input.") var file: String?
        @Flag(help: "Remove the templates instead.") var clear = false

        func run() async throws {
            var templates: JSONValue?
            if !clear {
                guard let file else { throw ValidationError("--file or --clear is required") }
                let data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
                guard let parsed = JSONValue(jsonText: String(decoding: data, as: UTF8.self)) else { throw ValidationError("\(file) is not JSON") }
                templates = parsed
            }
            try await AdminRunner(options: store).run { [templates] admin in
                try await admin.setRuleTemplates(projectId: project, thingTypeId: thingType, appId: app, templates: templates, by: .system)
                return ["project": AdminJSON.int(project), "thingType": .string(thingType), "app": .string(app), "templates": templates ?? .null]
            }
        }
    }
}

struct SigningKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "signing-key", abstract: "Manage the keys that sign OAuth access tokens.", subcommands: [Rotate.self])

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a new signing key; servers sign with it from their next start, and tokens signed before stay valid.")
        @OptionGroup var store: StoreOptions

        func run() async throws {
            try await AdminRunner(options: store).run { admin in
                let key = try await admin.addSigningKey(by: .system)
                return ["kid": .string(key.id), "algorithm": .string(key.algorithm), "creationTime": AdminJSON.time(key.creationTime)]
            }
        }
    }
}

extension Project.AccountMode: ExpressibleByArgument {}
extension Project.Provisioning: ExpressibleByArgument {}
