using Dilemma.Grains.Interfaces.Consent;
using Dilemma.Grains.Interfaces.Rooms;

namespace Dilemma.Grains.Interfaces.Research;

/// <summary>What the writers and the codebook need of a column, whatever its sheet's row type.</summary>
public interface IExportColumn
{
    string Name { get; }

    ExportValueKind Kind { get; }

    /// <summary>The column's meaning, as the codebook states it.</summary>
    string Description { get; }
}

/// <summary>
/// One exported column: its header, type, meaning, and how a row yields its value. A column holding a user id says
/// how to replace it (<see cref="UserIds"/>), one holding a person's name how to leave it out (<see cref="LeaveOutName"/>):
/// the export applies <see cref="ExportPrivacy"/> through them to every sheet alike (<see cref="ExportSheet{TRow}.Protect"/>).
/// </summary>
public sealed record ExportColumn<TRow>(string Name, ExportValueKind Kind, string Description, Func<TRow, ExportValue> Read) : IExportColumn
{
    /// <summary>For a user id column: the row with this column's id replaced by what the function makes of it (its pseudonym).</summary>
    public Func<TRow, Func<long, long>, TRow>? UserIds { get; init; }

    /// <summary>For a column holding a person's name: the row with the name left out.</summary>
    public Func<TRow, TRow>? LeaveOutName { get; init; }
}

/// <summary>
/// The columns of the export, in order. The grain hashes rows by these and the gateway writes
/// them by these, so the workbook, the CSV and the manifest's hash cannot disagree.
/// </summary>
public static class ExportColumns
{
    /// <summary>What the username column says for a guest; no username can contain parentheses.</summary>
    public const string GuestMarker = "(guest)";

    /// <summary>How a pseudonym is made, as every user id column's codebook entry states it.</summary>
    public const string PseudonymDescription =
        "a 16-digit number (1e15 to 9e15, never a real id), HMAC-SHA256 of the id under a key derived with HKDF-SHA256 from the server's secret and the study label. In the workbook it is a text cell, as Excel keeps only 15 digits of a number; open the CSV in Excel with the column as text.";

    public static IReadOnlyList<ExportColumn<ParticipantExportRow>> Participants { get; } = BuildParticipants();

    public static IReadOnlyList<ExportColumn<RoomExportRow>> Rooms { get; } =
    [
        new("room_code", ExportValueKind.Text, "The room's six-digit code (text: leading zeros count).", r => ExportValue.Of(r.RoomCode)),
        new("topic", ExportValueKind.Text, "The dilemma topic the room played.", r => ExportValue.Of(r.Topic)),
        new("scenario_id", ExportValueKind.Text, "The scenario the room was created on; the codebook lists its options by topic.", r => ExportValue.Of(r.ScenarioId)),
        new("is_public", ExportValueKind.Boolean, "TRUE if the room was listed publicly, FALSE if it was joined by code only.", r => ExportValue.Of(r.IsPublic)),
        new("room_phase", ExportValueKind.Text, "waiting, started or finished, at the time of the export.", r => ExportValue.Of(RoomPhases.Word(r.Phase))),
        new("created_at", ExportValueKind.Timestamp, "When the room was created (UTC).", r => ExportValue.Of(r.CreatedAt)),
        new("started_at", ExportValueKind.Timestamp, "When the host started round 1 (UTC); empty if not started.", r => ExportValue.Of(r.StartedAt)),
        new("finished_at", ExportValueKind.Timestamp, "When the game ended (UTC): round 5 closed with its consensus or no_consensus, or the game was ended early (room_events ended_early); empty if not finished.", r => ExportValue.Of(r.FinishedAt)),
        new("rounds_completed", ExportValueKind.Number, "Rounds whose consensus is recorded (0-5).", r => ExportValue.Of(r.RoundsCompleted)),
        new("participants", ExportValueKind.Number, "Participants seated in the room, consenting or not.", r => ExportValue.Of(r.Participants)),
        new("participants_exported", ExportValueKind.Number, "Of those, the ones with data consent: the room's rows on the participants sheet.", r => ExportValue.Of(r.ParticipantsExported)),
        new("session_code", ExportValueKind.Text, "The class session that opened the room (the export's session filter; facilitator_actions' session_code); empty for a room players opened themselves.", r => ExportValue.Of(r.SessionCode)),
        new("study_label", ExportValueKind.Text, "The study label that session was given (the export's study filter); empty without a session or a label.", r => ExportValue.Of(r.StudyLabel)),
        new("scenario_sha256", ExportValueKind.Text, $"The text the room played, recorded when it was created: the scenarios sheet's rows with this text_sha256 (and this scenario_id) are its words. Empty for a room created before texts were recorded (migration 2026121001): {ScenarioExportRow.UnrecordedTextMeaning}", r => ExportValue.Of(r.ScenarioSha256)),
    ];

    private static List<ExportColumn<ParticipantExportRow>> BuildParticipants()
    {
        List<ExportColumn<ParticipantExportRow>> columns =
        [
            new("user_id", ExportValueKind.Number, $"The participant's user id, or with pseudonyms on (the manifest's pseudonymised) its pseudonym for the export's study: {PseudonymDescription} The same person has the same value in every room.", r => ExportValue.Of(r.UserId))
            {
                UserIds = static (r, pseudonym) => r with { UserId = pseudonym(r.UserId) },
            },
            new("username", ExportValueKind.Text, $"The registered username, or {GuestMarker} for a guest; empty for a bot, and for a registered user when names are left out (the manifest's names_included).", r => ExportValue.Of(r.Username ?? (r.IsGuest ? GuestMarker : null)))
            {
                LeaveOutName = static r => r with { Username = null },
            },
            new("is_guest", ExportValueKind.Boolean, "TRUE for a guest account (a person who played without registering), FALSE for a registered one and for a bot (see is_bot).", r => ExportValue.Of(r.IsGuest)),
            new("is_bot", ExportValueKind.Boolean, "TRUE for a bot's seat (seated by the host, or in a dropped seat under on_dropout bot): its choices come from a seeded rule per role, not from a person. FALSE for a person.", r => ExportValue.Of(r.IsBot)),
            new("data_consent", ExportValueKind.Boolean, "Consent to research use of decisions; TRUE for every person here, since participants without it are left out; FALSE for a bot, which has no consent to give and is exported marked is_bot.", r => ExportValue.Of(!r.IsBot)),
            new("data_consent_version", ExportValueKind.Text, $"The consent text version (GET /consent/{{version}}) of the data consent covering this seat: the grant in force when the seat was taken, or, if none was then, the first grant after it (a later grant under a newer text does not change an earlier seat's row); {ConsentTexts.Unversioned} when the client sent no version, {ConsentTexts.Legacy} for consent given under the original system's terms, empty when given before versions were recorded.", r => ExportValue.Of(r.DataConsentVersion)),
            new("data_consent_at", ExportValueKind.Timestamp, "When that covering grant was given (UTC); empty when given before versions were recorded.", r => ExportValue.Of(r.DataConsentAt)),
            new("voice_consent", ExportValueKind.Boolean, "Consent to voice recording.", r => ExportValue.Of(r.VoiceConsent)),
            new("voice_consent_version", ExportValueKind.Text, "The consent text version of the voice consent covering this seat, by the same rule as data_consent_version; empty without voice consent now.", r => ExportValue.Of(r.VoiceConsentVersion)),
            new("voice_consent_at", ExportValueKind.Timestamp, "When that covering voice grant was given (UTC); empty without voice consent now.", r => ExportValue.Of(r.VoiceConsentAt)),
            new("room_code", ExportValueKind.Text, "The room (see the rooms sheet); text, leading zeros count.", r => ExportValue.Of(r.RoomCode)),
            new("topic", ExportValueKind.Text, "The dilemma topic the room played.", r => ExportValue.Of(r.Topic)),
            new("room_phase", ExportValueKind.Text, "waiting, started or finished, at the time of the export.", r => ExportValue.Of(RoomPhases.Word(r.Phase))),
            new("role_id", ExportValueKind.Number, "1 caregiver, 2 family member, 3 AI developer; empty before roles were assigned.", r => ExportValue.Of(r.RoleId)),
            new("role_name", ExportValueKind.Text, "caregiver, family_member or ai_developer; empty before roles were assigned.", r => ExportValue.Of(r.RoleId is { } role ? RoomRules.RoleName(role) : null)),
            new("nickname", ExportValueKind.Text, "The name the participant used in the room; empty when names are left out (the manifest's names_included).", r => ExportValue.Of(r.Nickname))
            {
                LeaveOutName = static r => r with { Nickname = null },
            },
            new("joined_at", ExportValueKind.Timestamp, "When the participant took their seat (UTC).", r => ExportValue.Of(r.JoinedAt)),
        ];
        for (var round = 1; round <= RoomRules.Rounds; round++)
        {
            var offset = (round - 1) * 4;
            columns.Add(new($"round_{round}_choice", ExportValueKind.Number, $"The participant's own choice in round {round} (option 0-3, see the codebook); empty if none.", r => ExportValue.OfAnswer(r.Answers[offset])));
            columns.Add(new($"round_{round}_confidence", ExportValueKind.Number, $"The participant's confidence in that choice (1-5); empty if none.", r => ExportValue.OfAnswer(r.Answers[offset + 1])));
            columns.Add(new($"round_{round}_consensus_choice", ExportValueKind.Number, $"The room's consensus choice in round {round} (option 0-3); empty if not reached.", r => ExportValue.OfAnswer(r.Answers[offset + 2])));
            columns.Add(new($"round_{round}_consensus_confidence", ExportValueKind.Number, $"The group's confidence in that consensus (1-5); empty if not reached.", r => ExportValue.OfAnswer(r.Answers[offset + 3])));
        }

        return columns;
    }
}
