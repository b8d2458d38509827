using System.Globalization;
using System.Text;
using System.Xml;

namespace Dilemma.Grains.Interfaces.Research;

/// <summary>The type of an exported column, which fixes its cell type and its canonical text.</summary>
public enum ExportValueKind
{
    Number,
    Text,
    Boolean,
    Timestamp,

    /// <summary>A measure with a fraction (milliseconds of a link's round trip): canonical text is the shortest that reads back as the same double.</summary>
    Fractional,
}

/// <summary>One exported cell: a typed value, or empty.</summary>
public readonly struct ExportValue
{
    /// <summary>The byte in <see cref="ParticipantExportRow.Answers"/> that means "no answer".</summary>
    public const byte NoAnswer = byte.MaxValue;

    /// <summary>How timestamps appear in CSV and in the canonical form: UTC, millisecond precision.</summary>
    public const string TimestampFormat = "yyyy-MM-dd HH:mm:ss.fff";

    private ExportValue(ExportValueKind kind, bool hasValue, long integer, string? text, DateTime timestamp)
    {
        Kind = kind;
        HasValue = hasValue;
        Number = integer;
        Text = text;
        Timestamp = timestamp;
    }

    public ExportValueKind Kind { get; }

    public bool HasValue { get; }

    public long Number { get; }

    public string? Text { get; }

    public DateTime Timestamp { get; }

    public bool Boolean => Number != 0;

    /// <summary>The value of a <see cref="ExportValueKind.Fractional"/> cell, kept in <see cref="Number"/>'s bits.</summary>
    public double Fractional => BitConverter.Int64BitsToDouble(Number);

    public static ExportValue Of(long value) => new(ExportValueKind.Number, true, value, null, default);

    public static ExportValue Of(long? value) => value is { } v ? Of(v) : new(ExportValueKind.Number, false, 0, null, default);

    public static ExportValue Of(bool value) => new(ExportValueKind.Boolean, true, value ? 1 : 0, null, default);

    public static ExportValue Of(bool? value) => value is { } v ? Of(v) : new(ExportValueKind.Boolean, false, 0, null, default);

    public static ExportValue Of(string? value) => new(ExportValueKind.Text, value is not null, 0, value, default);

    public static ExportValue Of(double? value) => value is { } v ? new(ExportValueKind.Fractional, true, BitConverter.DoubleToInt64Bits(v), null, default) : new(ExportValueKind.Fractional, false, 0, null, default);

    public static ExportValue Of(DateTime? value) => value is { } v ? new(ExportValueKind.Timestamp, true, 0, null, v) : new(ExportValueKind.Timestamp, false, 0, null, default);

    /// <summary>An answer byte of <see cref="ParticipantExportRow.Answers"/> as an integer cell.</summary>
    public static ExportValue OfAnswer(byte value) => value == NoAnswer ? Of((long?)null) : Of((long)value);

    /// <summary>
    /// Appends the value's text as CSV and the canonical form show it, before any escaping: integers in
    /// decimal, decimals as the shortest invariant text that reads back as the same double, booleans TRUE or FALSE, timestamps as <see cref="TimestampFormat"/>, nothing when empty.
    /// </summary>
    public void AppendText(StringBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!HasValue)
        {
            return;
        }

        switch (Kind)
        {
            case ExportValueKind.Number:
                builder.Append(CultureInfo.InvariantCulture, $"{Number}");
                break;
            case ExportValueKind.Boolean:
                builder.Append(Boolean ? "TRUE" : "FALSE");
                break;
            case ExportValueKind.Fractional:
                builder.Append(Fractional.ToString("R", CultureInfo.InvariantCulture));
                break;
            case ExportValueKind.Timestamp:
                // Formatted in place: a string per timestamp would be a million short-lived strings per large export.
                Span<char> text = stackalloc char[TimestampFormat.Length];
                FormatTimestamp(Timestamp, text);
                builder.Append(text);
                break;
            default:
                builder.Append(Text);
                break;
        }
    }

    /// <summary>
    /// Writes <paramref name="value"/> as <see cref="TimestampFormat"/> (milliseconds truncated, as <c>fff</c> does) into the
    /// first <see cref="TimestampFormat"/>.Length characters of <paramref name="destination"/>. By hand: the runtime's
    /// custom-format interpreter was 5 % of the silo's CPU in an export (perf), for one fixed layout.
    /// </summary>
    public static void FormatTimestamp(DateTime value, Span<char> destination)
    {
        var (year, month, day) = value;
        var millisecondOfDay = (int)(value.TimeOfDay.Ticks / TimeSpan.TicksPerMillisecond);
        var text = destination[..TimestampFormat.Length];
        Digits(text[..4], year);
        text[4] = '-';
        Digits(text.Slice(5, 2), month);
        text[7] = '-';
        Digits(text.Slice(8, 2), day);
        text[10] = ' ';
        Digits(text.Slice(11, 2), millisecondOfDay / 3_600_000);
        text[13] = ':';
        Digits(text.Slice(14, 2), millisecondOfDay / 60_000 % 60);
        text[16] = ':';
        Digits(text.Slice(17, 2), millisecondOfDay / 1000 % 60);
        text[19] = '.';
        Digits(text.Slice(20, 3), millisecondOfDay % 1000);

        static void Digits(Span<char> field, int number)
        {
            for (var i = field.Length - 1; i >= 0; i--)
            {
                field[i] = (char)('0' + (number % 10));
                number /= 10;
            }
        }
    }

    /// <summary>
    /// Text as it may be exported: characters XML cannot carry (most control characters, lone surrogates,
    /// U+FFFE, U+FFFF) become U+FFFD, since a workbook holding them does not open. Tab, LF and CR stay.
    /// </summary>
    public static string Clean(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        for (var i = 0; i < text.Length; i++)
        {
            if (!IsXmlCharAt(text, i, out var width))
            {
                return Replace(text);
            }

            i += width - 1;
        }

        return text;

        static string Replace(string text)
        {
            var builder = new StringBuilder(text.Length);
            for (var i = 0; i < text.Length; i++)
            {
                if (IsXmlCharAt(text, i, out var width))
                {
                    builder.Append(text, i, width);
                    i += width - 1;
                }
                else
                {
                    builder.Append('\uFFFD');
                }
            }

            return builder.ToString();
        }
    }

    /// <summary>Truncates to milliseconds, the precision of an Excel date, so every format shows the same instant.</summary>
    public static DateTime ToExportTime(DateTime value) =>
        new(value.Ticks - (value.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);

    private static bool IsXmlCharAt(string text, int index, out int width)
    {
        width = 1;
        var c = text[index];
        if (char.IsHighSurrogate(c) && index + 1 < text.Length && XmlConvert.IsXmlSurrogatePair(text[index + 1], c))
        {
            width = 2;
            return true;
        }

        return XmlConvert.IsXmlChar(c);
    }
}
