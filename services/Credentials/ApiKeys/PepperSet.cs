using System.Collections.Frozen;

namespace Platform.Credentials.ApiKeys;

/// <summary>
/// The server-side HMAC keys ("peppers") by version. Old versions stay so stored hashes keep
/// verifying while they are rehashed under the current one.
/// </summary>
public sealed class PepperSet
{
    public const int MinPepperBytes = 32;

    private const int MaxVersionLength = 32;

    private readonly FrozenDictionary<string, byte[]> _peppers;

    /// <param name="base64PeppersByVersion">Version → base64 pepper of at least 32 bytes.</param>
    /// <param name="currentVersion">The version new hashes are made with.</param>
    /// <exception cref="ArgumentException">The configuration is unusable. Messages name versions, never pepper values.</exception>
    public PepperSet(IReadOnlyDictionary<string, string> base64PeppersByVersion, string currentVersion)
    {
        ArgumentNullException.ThrowIfNull(base64PeppersByVersion);
        ArgumentNullException.ThrowIfNull(currentVersion);

        var peppers = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (version, base64) in base64PeppersByVersion)
        {
            if (!IsValidVersion(version))
            {
                throw new ArgumentException(
                    "Pepper versions must be 1-32 characters of [A-Za-z0-9._-].", nameof(base64PeppersByVersion));
            }

            peppers[version] = DecodePepper(version, base64, nameof(base64PeppersByVersion));
        }

        if (!peppers.ContainsKey(currentVersion))
        {
            throw new ArgumentException(
                $"The current pepper version '{(IsValidVersion(currentVersion) ? currentVersion : "?")}' has no pepper.",
                nameof(currentVersion));
        }

        _peppers = peppers.ToFrozenDictionary(StringComparer.Ordinal);
        CurrentVersion = currentVersion;
    }

    public string CurrentVersion { get; }

    public IReadOnlyCollection<string> Versions => _peppers.Keys;

    public override string ToString() =>
        $"PepperSet {{ CurrentVersion = {CurrentVersion}, Versions = [{string.Join(", ", _peppers.Keys.Order(StringComparer.Ordinal))}] }}";

    internal byte[] Current => _peppers[CurrentVersion];

    internal byte[]? Find(string version) => _peppers.GetValueOrDefault(version);

    private static byte[] DecodePepper(string version, string? base64, string paramName)
    {
        // TryFromBase64String rather than FromBase64String so no exception carries pepper text.
        var buffer = new byte[((base64?.Length ?? 0) / 4 * 3) + 3];
        if (base64 is null || !Convert.TryFromBase64String(base64, buffer, out var written))
        {
            throw new ArgumentException($"The pepper for version '{version}' is not valid base64.", paramName);
        }

        if (written < MinPepperBytes)
        {
            throw new ArgumentException(
                $"The pepper for version '{version}' has {written} bytes; at least {MinPepperBytes} are required.",
                paramName);
        }

        return buffer[..written];
    }

    private static bool IsValidVersion(string? version) =>
        version is { Length: > 0 and <= MaxVersionLength }
        && !version.AsSpan().ContainsAnyExcept(VersionCharacters);

    private static readonly System.Buffers.SearchValues<char> VersionCharacters =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-");
}
