using System.Globalization;
using System.Text;
using Dilemma.Grains.Interfaces.Research;

namespace Dilemma.Tests.Research;

/// <summary>
/// The canonical text of a timestamp is part of every sheet's SHA-256 (<see cref="CanonicalRowHasher{TRow}"/>) and of
/// every CSV: the hand-written formatter must write exactly what the format string <see cref="ExportValue.TimestampFormat"/> means.
/// </summary>
public sealed class ExportValueTests
{
    [Fact]
    public void A_timestamp_is_written_as_its_format_string_writes_it_at_the_edges_of_the_calendar_and_the_day()
    {
        DateTime[] edges =
        [
            DateTime.MinValue,
            DateTime.MaxValue,
            new(2024, 2, 29, 23, 59, 59, 999, DateTimeKind.Utc),
            new(2026, 12, 4, 0, 0, 0, 0, DateTimeKind.Utc),
            new(999, 1, 1, 9, 5, 7, 3, DateTimeKind.Utc),
            new DateTime(2026, 12, 4, 12, 34, 56, DateTimeKind.Utc).AddTicks(9_999), // under a millisecond: truncated, never rounded up
        ];

        foreach (var at in edges)
        {
            Assert.Equal(Expected(at), Formatted(at));
        }
    }

    [Fact]
    public void A_timestamp_is_written_as_its_format_string_writes_it_for_any_instant()
    {
        var random = new Random(20261204);
        for (var i = 0; i < 100_000; i++)
        {
            var at = new DateTime(random.NextInt64(DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks), DateTimeKind.Utc);
            Assert.Equal(Expected(at), Formatted(at));
        }
    }

    [Fact]
    public void A_timestamp_cell_appends_the_same_text()
    {
        var at = new DateTime(2026, 12, 4, 23, 9, 41, 217, DateTimeKind.Utc);
        var builder = new StringBuilder("x");
        ExportValue.Of(at).AppendText(builder);
        Assert.Equal("x2026-12-04 23:09:41.217", builder.ToString());
    }

    private static string Expected(DateTime at) => at.ToString(ExportValue.TimestampFormat, CultureInfo.InvariantCulture);

    private static string Formatted(DateTime at)
    {
        Span<char> text = stackalloc char[ExportValue.TimestampFormat.Length];
        ExportValue.FormatTimestamp(at, text);
        return text.ToString();
    }
}
