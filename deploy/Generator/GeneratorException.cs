namespace Platform.Deploy;

/// <summary>
/// Something in the manifest (or missing from the profile) that the generator cannot turn into Kubernetes objects.
/// The message is for the person who runs the generator: it names the resource and says what to change. The command
/// line prints it without a stack trace.
/// </summary>
public sealed class GeneratorException : Exception
{
    public GeneratorException()
    {
    }

    public GeneratorException(string message)
        : base(message)
    {
    }

    public GeneratorException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
