namespace Platform.ToolExecution.Conformance;

/// <summary>The binary payloads the suite's fixtures carry: it checks their presence and MIME types, not what they show.</summary>
internal static class ConformanceContent
{
    /// <summary>A 1×1 red PNG.</summary>
    public static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==");

    /// <summary>A WAV header with two bytes of silence.</summary>
    public static readonly byte[] Wav = Convert.FromBase64String("UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=");
}
