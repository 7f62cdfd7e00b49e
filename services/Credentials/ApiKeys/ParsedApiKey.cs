namespace Platform.Credentials.ApiKeys;

/// <summary>A key that passed the shape and checksum checks; it may still be unknown, revoked or wrong.</summary>
public readonly record struct ParsedApiKey(string Prefix, string Environment, string KeyId, string Secret)
{
    // Records print every property by default; the secret must never reach a log line.
    public override string ToString() =>
        $"ParsedApiKey {{ Prefix = {Prefix}, Environment = {Environment}, KeyId = {KeyId} }}";
}
