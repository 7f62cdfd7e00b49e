namespace Platform.Credentials.ApiKeys;

/// <summary>What is stored for a key's secret: the HMAC and the pepper version that made it.</summary>
public sealed record HashedSecret(string PepperVersion, string Hash);
