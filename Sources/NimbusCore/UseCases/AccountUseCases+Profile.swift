import Foundation

extension AccountUseCases {
    /// Changes the parts of a user's name (Cayenne's `first_name` and `last_name`; `name` follows) and
    /// their phone number (`""` removes it).
    public func updateProfile(_ id: Int, firstName: String?, lastName: String?, phoneNumber: String? = nil, by principal: Principal) async throws -> User {
        let firstName = try firstName.map { try Validation.text($0, field: "first_name", maxLength: 128) }
        let lastName = try lastName.map { try Validation.text($0, field: "last_name", maxLength: 128) }
        let phone: String?? = try phoneNumber.map { $0.isEmpty ? nil : try Validation.phoneNumber($0) }
        return try await store.write { tx in
            var user = try await self.accessibleUser(id, by: principal, in: tx)
            guard firstName != nil || lastName != nil || phone != nil else { return user }
            if let firstName { user.firstName = firstName }
            if let lastName { user.lastName = lastName }
            if firstName != nil || lastName != nil {
                user.name = User.name(firstName: user.firstName, lastName: user.lastName)
            }
            if let phone {
                if let number = phone, let other = try await tx.users.find(projectId: user.projectId, phoneNumber: number), other.id != user.id {
                    throw NimbusError.rejected(.phoneNumberInUse)
                }
                user.phoneNumber = phone
            }
            try await tx.users.update(user)
            return user
        }
    }

    /// Emails a password reset link to the address, without telling the caller whether it is known.
    /// `projectId` picks the project when several have a user with that address; without it the
    /// one project that has is used.
    public func startPasswordReset(email rawEmail: String, projectId: Int?, address: String?, link: @escaping @Sendable (String) -> String) async throws {
        let email = try Validation.email(rawEmail)
        let candidates = try await store.read { tx in
            if let projectId { return try await tx.users.find(projectId: projectId, email: email).map { [$0] } ?? [] }
            return try await tx.users.find(email: email)
        }
        let withPassword = candidates.filter { $0.passwordHash != nil }
        guard withPassword.count <= 1 else {
            throw NimbusError.invalidInput(field: "application_id", reason: "required: several projects have this address")
        }
        guard let user = withPassword.first else {
            // Counted like a message sent, so that the limit's refusal does not tell a known address from an unknown one.
            let now = environment.clock.now()
            try await store.write { tx in try await self.environment.messageThrottle.admit(email, address: address, at: now, in: tx) }
            return
        }
        try await sendPasswordReset(to: user, link: link, address: address)
    }
}
