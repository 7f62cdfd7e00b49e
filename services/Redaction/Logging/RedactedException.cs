namespace Platform.Redaction.Logging;

/// <summary>
/// Stands in for a logged exception, because sinks print <see cref="Exception.ToString"/>, and exception
/// messages are a common carrier of secrets ("invalid key mcp_live_...", connection strings).
/// </summary>
internal sealed class RedactedException : Exception
{
    private readonly string description;
    private readonly string? stackTrace;

    private RedactedException(string message, string originalType, string description, string? stackTrace)
        : base(message)
    {
        OriginalType = originalType;
        this.description = description;
        this.stackTrace = stackTrace;
    }

    /// <summary>The full name of the exception that was logged, since sinks that print only a type see this one.</summary>
    public string OriginalType { get; }

    public override string? StackTrace => stackTrace;

    public override string ToString() => description;

    public static Exception? From(Exception? exception)
    {
        if (exception is null or RedactedException)
        {
            return exception;
        }

        try
        {
            return new RedactedException(
                Redactor.RedactText(exception.Message),
                exception.GetType().FullName ?? exception.GetType().Name,
                Redactor.RedactText(exception.ToString()),
                exception.StackTrace is null ? null : Redactor.RedactText(exception.StackTrace))
            {
                HResult = exception.HResult,
            };
        }
        catch (Exception)
        {
            // A custom Message or ToString that throws must not take the log line with it.
            return new RedactedException(Redactor.Mask, string.Empty, Redactor.Mask, null);
        }
    }
}
