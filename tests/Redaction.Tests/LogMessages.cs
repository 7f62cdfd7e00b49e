using Microsoft.Extensions.Logging;

namespace Platform.Redaction.Tests;

internal static partial class LogMessages
{
    public static readonly Func<ILogger, string, IDisposable?> RequestScope =
        LoggerMessage.DefineScope<string>("Request {Path}");

    [LoggerMessage(LogLevel.Information, "Issued {Key} to {Email}")]
    public static partial void KeyIssued(this ILogger logger, string key, string email);

    [LoggerMessage(LogLevel.Error, "Verification failed")]
    public static partial void VerificationFailed(this ILogger logger, Exception exception);

    [LoggerMessage(LogLevel.Information, "Handled")]
    public static partial void Handled(this ILogger logger);

    [LoggerMessage(LogLevel.Warning, "Leaked {Key} in {Header}")]
    public static partial void KeyLeaked(this ILogger logger, string key, string header);

    [LoggerMessage(LogLevel.Information, "Routine {Key}")]
    public static partial void Routine(this ILogger logger, string key);
}
