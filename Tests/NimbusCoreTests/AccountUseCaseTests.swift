import Foundation
import NimbusCore
import NimbusStore
import Testing

@Suite("Accounts and access")
struct AccountUseCaseTests {
    @Test("an email sign-up sends a verification link whose token verifies once")
    func emailVerification() async throws {
        let world = try await CoreTestWorld.make()
        let project = try await world.nimbus.admin.createProject(name: "E", accountMode: .email, provisioning: .claim, by: .system)
        let user = try await world.nimbus.accounts.signUp(
            SignUpRequest(projectId: project.id, name: "Ann", email: "Ann@Example.com ", password: "password1"), links: CoreTestWorld.links, by: .anonymous)
        #expect(user.email == "ann@example.com")
        #expect(user.passwordHash?.hasPrefix("$2") == true, "passwords are stored with bcrypt")
        let due = try await world.store.read { tx in try await tx.outbox.due(at: Date() + 1, limit: 10) }
        let mail = try #require(due.compactMap { EmailMessage(payload: $0.payload) }.first)
        let token = try #require(mail.body.split(separator: "\n").first { $0.hasPrefix("verify:") }?.dropFirst("verify:".count))
        #expect(try await world.nimbus.accounts.verifyEmail(token: String(token)).verified)
        await #expect(throws: NimbusError.rejected(.invalidToken)) { _ = try await world.nimbus.accounts.verifyEmail(token: String(token)) }
        try await world.store.close()
    }

    @Test("SMS codes allow five wrong tries, then refuse even the right one")
    func smsAttempts() async throws {
        let world = try await CoreTestWorld.make()
        let project = try await world.nimbus.admin.createProject(name: "S", accountMode: .phone, provisioning: .claim, by: .system)
        _ = try await world.nimbus.admin.createApp(projectId: project.id, id: "phone-app", name: nil, by: .system)
        _ = try await world.nimbus.accounts.signUp(SignUpRequest(projectId: project.id, name: "P", phoneNumber: "+1 555 010 0200"), links: CoreTestWorld.links, by: .anonymous)
        let due = try await world.store.read { tx in try await tx.outbox.due(at: Date() + 1, limit: 10) }
        let sms = try #require(due.compactMap { SMSMessage(payload: $0.payload) }.first)
        #expect(sms.to == "+15550100200")
        let code = String(sms.body.filter(\.isNumber).prefix(6))
        for _ in 0..<5 {
            await #expect(throws: NimbusError.rejected(.invalidAuthCode)) {
                _ = try await world.nimbus.accounts.signIn(SignInRequest(appId: "phone-app", phoneNumber: "+15550100200", code: "000000" == code ? "111111" : "000000"), by: .anonymous)
            }
        }
        await #expect(throws: NimbusError.tooManyAttempts) {
            _ = try await world.nimbus.accounts.signIn(SignInRequest(appId: "phone-app", phoneNumber: "+15550100200", code: code), by: .anonymous)
        }
        try await world.store.close()
    }

    @Test("the last owner cannot leave; a member can; strangers cannot see the home")
    func membership() async throws {
        let world = try await CoreTestWorld.make()
        let household = try await world.household()
        guard case .user(let ownerId, _, _, _) = household.user else { return }
        await #expect(throws: NimbusError.rejected(.lastOwner)) {
            try await world.nimbus.homes.removeMember(ownerId, from: household.homeId, by: household.user)
        }
        let other = try await world.nimbus.accounts.signUp(SignUpRequest(projectId: household.project.id, name: "O"), links: CoreTestWorld.links, by: household.key)
        let otherSession = try await world.nimbus.accounts.signIn(SignInRequest(projectId: household.project.id, userId: other.id), by: household.key)
        let stranger = try await world.nimbus.authenticator.authenticate(token: otherSession.token)
        await #expect(throws: NimbusError.notFound("home")) { _ = try await world.nimbus.homes.get(household.homeId, by: stranger) }
        _ = try await world.nimbus.homes.addMember(to: household.homeId, .userId(other.id), role: .member, address: nil, by: household.user)
        await #expect(throws: NimbusError.permissionDenied) {
            try await world.nimbus.homes.update(household.homeId, name: "Mine", deactivated: nil, by: stranger)
        }
        try await world.nimbus.homes.removeMember(other.id, from: household.homeId, by: stranger)
        await #expect(throws: NimbusError.notFound("home")) { _ = try await world.nimbus.homes.get(household.homeId, by: stranger) }
        try await world.store.close()
    }

    @Test("a device deleted is revoked: its key stops working and its connections are told")
    func deviceRevocation() async throws {
        let world = try await CoreTestWorld.make()
        let household = try await world.household()
        let subscription = world.bus.subscribe(to: [.device(household.deviceId)])
        try await world.nimbus.devices.delete(household.deviceId, by: household.user)
        var iterator = subscription.messages.makeAsyncIterator()
        #expect(await iterator.next() == .revoked)
        await #expect(throws: NimbusError.notFound("device")) { _ = try await world.nimbus.devices.get(household.deviceId, by: household.key) }
        subscription.cancel()
        try await world.store.close()
    }
}
