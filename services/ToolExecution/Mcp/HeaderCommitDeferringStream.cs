namespace Platform.ToolExecution.Mcp;

/// <summary>
/// A response body that ignores flushes until something has been written. The MCP SDK flushes its SSE response
/// headers (status 200) before it runs the tool, which would leave a call whose recording then fails no way to answer
/// with a 503. Held back, the status line goes out with the first byte of the answer, when the outcome is known.
/// Progress notifications are writes, so a long call that reports progress still starts its response early.
/// </summary>
internal sealed class HeaderCommitDeferringStream(Stream inner) : Stream
{
    private bool _written;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override void Flush()
    {
        if (_written)
        {
            inner.Flush();
        }
    }

    public override Task FlushAsync(CancellationToken cancellationToken) =>
        _written ? inner.FlushAsync(cancellationToken) : Task.CompletedTask;

    public override void Write(byte[] buffer, int offset, int count)
    {
        _written = true;
        inner.Write(buffer, offset, count);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        _written = true;
        return inner.WriteAsync(buffer, offset, count, cancellationToken);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _written = true;
        return inner.WriteAsync(buffer, cancellationToken);
    }

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
