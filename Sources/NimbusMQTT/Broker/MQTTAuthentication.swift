/// The hooks' answer to a CONNECT.
public enum MQTTAuthentication: Sendable {
    /// The client is admitted, confined to the client's mount point.
    case accepted(MQTTClient)
    /// The credentials are recognised as this hook's but are wrong or not allowed: CONNACK with this code.
    case refused(MQTTReasonCode)
    /// Not this hook's kind of credentials; another hook may recognise them. If none does, the connection
    /// answers 0x86 Bad User Name or Password.
    case notRecognised
}
