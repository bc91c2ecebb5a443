import Logging
import NIOCore

extension MQTTConnection {
    /// Asks each hooks in turn who the client is; the first that recognises the credentials decides, and keeps
    /// the client for the rest of the connection. Then attaches the session and answers CONNACK.
    mutating func authenticate(_ connect: MQTTConnectPacket) async {
        if let refusal {
            logger.warning("MQTT connection refused: server limit", metadata: ["reason": "\(refusal)"])
            await refuse(refusal)
            return
        }
        let assignsIdentifier = connect.clientIdentifier.isEmpty
        let request = MQTTConnectRequest(
            clientIdentifier: assignsIdentifier ? Self.assignedIdentifier() : connect.clientIdentifier,
            username: connect.username, password: connect.password.map { Array($0.readableBytesView) },
            protocolVersion: connect.protocolVersion, remoteAddress: peer.address, isTLS: peer.isTLS)

        var admitted: (client: MQTTClient, hooks: any MQTTHooks)?
        var refusedWith: MQTTReasonCode?
        consulting: for candidate in hooks {
            switch await candidate.authenticate(request) {
            case .accepted(let client):
                admitted = (client, candidate)
                break consulting
            case .refused(let code):
                refusedWith = code
                break consulting
            case .notRecognised:
                continue
            }
        }
        guard let (client, clientHooks) = admitted else {
            // Nobody knows these credentials: "bad user name or password" if some were given, else "not authorized".
            let code = refusedWith ?? (connect.username == nil ? .notAuthorized : .badUserNameOrPassword)
            logger.info("MQTT connection refused", metadata: ["reason": "\(code)", "username": "\(connect.username ?? "")"])
            await refuse(code)
            return
        }
        if let will = connect.will, let refusal = Self.refusal(of: will, from: client, hooks: clientHooks) {
            logger.info("MQTT connection refused: will not accepted", metadata: ["client": "\(client.name)", "reason": "\(refusal.reason)"])
            let expressible = connect.protocolVersion.hasProperties || refusal.reasonCode.connectReturnCode != nil
            await refuse(expressible ? refusal.reasonCode : .notAuthorized)
            return
        }

        let sessionExpiry = Self.sessionExpiry(of: connect)
        let attached = await broker.connect(
            client: client, cleanStart: connect.cleanStart, persistent: sessionExpiry > 0, mailbox: inbox)
        if attached.overQuota {
            logger.warning("MQTT connection refused: too many persistent sessions", metadata: ["client": "\(client.name)"])
            await refuse(.quotaExceeded)
            return
        }
        var will = connect.will
        let willDelay = will?.properties.willDelayInterval ?? 0
        will?.properties.willDelayInterval = nil
        admission = Admission(
            client: client, hooks: clientHooks, connectionID: attached.connectionID, will: will, willDelay: willDelay,
            sessionExpiry: sessionExpiry, storedExpiry: sessionStore == nil ? 0 : sessionExpiry,
            keepAliveTimeout: connect.keepAlive == 0 ? nil : .milliseconds(Int64(connect.keepAlive) * 1500))
        await storeAttachedSession(discarded: attached.discarded)
        if let will { await broker.holdWill(will, of: client.sessionKey, connection: attached.connectionID) }

        var properties = MQTTProperties()
        if connect.protocolVersion.hasProperties {
            properties.receiveMaximum = settings.receiveMaximum
            properties.topicAliasMaximum = settings.topicAliasMaximum
            properties.maximumPacketSize = UInt32(clamping: settings.maximumPacketSize)
            if assignsIdentifier { properties.assignedClientIdentifier = client.clientIdentifier }
        }
        let connAck = MQTTConnAckPacket(sessionPresent: attached.sessionPresent, properties: properties)
        await perform(machine.admitted(connAck: connAck, resumed: attached.resumed))
        inbox.admitted()
        logger.info(
            "MQTT client connected",
            metadata: [
                "version": "\(connect.protocolVersion)", "clientIdentifier": "\(client.clientIdentifier)",
                "sessionPresent": "\(attached.sessionPresent)",
            ])
        await clientHooks.connected(client)
        if let timeout = admission?.keepAliveTimeout {
            schedule(at: lastActivity + timeout)
        } else {
            timer?.cancel()
        }
    }

    private mutating func refuse(_ code: MQTTReasonCode) async {
        await perform(machine.refused(connAck: MQTTConnAckPacket(reasonCode: code)))
    }

    /// MQTT 5 says how long the session lives in CONNECT; before it, Clean Session decides: a clean session ends
    /// with the connection, any other lives until the client comes back.
    private static func sessionExpiry(of connect: MQTTConnectPacket) -> UInt32 {
        if connect.protocolVersion.hasProperties { return connect.properties.sessionExpiryInterval ?? 0 }
        return connect.cleanStart ? 0 : .max
    }

    /// A client identifier for a client that sent none (MQTT-3.1.3-6): unique enough that two such clients never
    /// take over each other's session.
    static func assignedIdentifier() -> String {
        "nimbus-" + String(UInt64.random(in: .min ... .max), radix: 36)
    }
}
