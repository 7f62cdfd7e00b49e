namespace Platform.Credentials.ApiKeys;

/// <summary>A freshly generated key; <see cref="Plaintext"/> is shown to the caller once and never stored.</summary>
public sealed record IssuedApiKey(string Plaintext, string KeyId, string Secret)
{
    // Records print every property by default; a key in a log line is a leaked key.
    public override string ToString() => $"IssuedApiKey {{ KeyId = {KeyId} }}";
}
