namespace Platform.Redaction;

/// <summary>Property names whose value is a secret whatever it looks like.</summary>
internal static class SensitiveNames
{
    // Compared after dropping "_" and "-", so api_key, api-key and apiKey are one name, and
    // client_secret is caught by "secret". "pwd" is the connection-string spelling.
    private static readonly string[] Fragments =
    [
        "password", "passwd", "pwd", "secret", "token", "apikey", "authorization", "authorisation",
        "credential", "privatekey", "cookie",
    ];

    public static bool IsSensitive(string propertyName)
    {
        Span<char> buffer = propertyName.Length <= 256 ? stackalloc char[propertyName.Length] : new char[propertyName.Length];
        var length = 0;
        foreach (var c in propertyName)
        {
            if (c is not ('_' or '-'))
            {
                buffer[length++] = char.ToLowerInvariant(c);
            }
        }

        ReadOnlySpan<char> normalized = buffer[..length];
        foreach (var fragment in Fragments)
        {
            if (normalized.Contains(fragment, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
