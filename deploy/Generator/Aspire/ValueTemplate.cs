using System.Text.RegularExpressions;

namespace Platform.Deploy.Aspire;

/// <summary>
/// A manifest string: literal text with <c>{resource.property}</c> expressions in it, e.g.
/// <c>{postgres-server.connectionString};Database=platform</c>. A brace that does not open such an expression is
/// literal text, so JSON or shell snippets in a value are never mistaken for expressions.
/// </summary>
public sealed partial record ValueTemplate
{
    private ValueTemplate(string text, IReadOnlyList<TemplatePart> parts)
    {
        Text = text;
        Parts = parts;
    }

    public string Text { get; }

    public IReadOnlyList<TemplatePart> Parts { get; }

    /// <summary>The reference when the whole string is exactly one expression, such as <c>{admin-key.value}</c>.</summary>
    public Reference? SingleReference => Parts is [Reference reference] ? reference : null;

    public static ValueTemplate Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parts = new List<TemplatePart>();
        var position = 0;
        foreach (Match match in Expression().Matches(text))
        {
            if (match.Index > position)
            {
                parts.Add(new LiteralPart(text[position..match.Index]));
            }

            parts.Add(new Reference(match.Groups["resource"].Value, match.Groups["property"].Value));
            position = match.Index + match.Length;
        }

        if (position < text.Length)
        {
            parts.Add(new LiteralPart(text[position..]));
        }

        return new ValueTemplate(text, parts);
    }

    public override string ToString() => Text;

    /// <summary>Equal when the text is: the parts follow from it.</summary>
    public bool Equals(ValueTemplate? other) => other is not null && other.Text == Text;

    public override int GetHashCode() => Text.GetHashCode(StringComparison.Ordinal);

    [GeneratedRegex(@"\{(?<resource>[A-Za-z0-9][A-Za-z0-9-]*)\.(?<property>[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*)\}")]
    private static partial Regex Expression();
}

public abstract record TemplatePart;

public sealed record LiteralPart(string Text) : TemplatePart;

/// <summary><c>{Resource.Property}</c>, e.g. <c>{auth.bindings.http.url}</c> has Resource <c>auth</c> and Property <c>bindings.http.url</c>.</summary>
public sealed record Reference(string Resource, string Property) : TemplatePart
{
    public string Text => $"{{{Resource}.{Property}}}";

    public override string ToString() => Text;
}
