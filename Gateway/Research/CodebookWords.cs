using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Interfaces.Sessions;
using Dilemma.Grains.Research;

namespace Dilemma.Gateway.Research;

/// <summary>
/// The words of the text columns whose codebook entry sends the reader to the codebook for them: room_events' event_type,
/// facilitator_actions' action, and the language of the decisions and consensus sheets. Each word is a code row of its own, with what it means, so a study can read every value
/// it finds in those columns without the source.
/// </summary>
internal static class CodebookWords
{
    public static IReadOnlyList<(string Word, string Meaning)> RoomEvents { get; } =
    [
        (RoomEventType.Reconnecting, "The participant's last signaling or voice socket closed: the reconnection grace (Game:ReconnectGraceSeconds) began."),
        (RoomEventType.Returned, "A reconnecting or dropped participant had a socket open again."),
        (RoomEventType.Dropped, "The grace ran out without a return (no actor), or the participant left the started game (actor: themselves)."),
        (RoomEventType.Removed, "The seat was taken out of the game: by the host or a facilitator (actor), or given to a bot under on_dropout bot (no actor)."),
        (RoomEventType.Absent, "A round closed without this seat's choice because it had dropped out or been removed (the decisions sheet's absent rows)."),
        (RoomEventType.TimedOut, "The choice deadline passed without this participant's choice; none is invented (the decisions sheet's timed_out rows)."),
        (RoomEventType.NoConsensus, "The consensus deadline passed without a consensus and the next round opened (the consensus sheet's no_consensus rows)."),
        (RoomEventType.HostChanged, "The host role went to this participant: handed on by the actor, or by the server (no actor) when the host dropped out."),
        (RoomEventType.EndedEarly, "The game was ended before round 5 closed: by the host or a facilitator (actor), or by the server (no actor) once nobody had been connected or played for Rooms:LeftGameEndsAfterSeconds."),
        (RoomEventType.BotJoined, "A bot (user_id, is_bot TRUE) took the role of a dropped or removed seat: on_dropout bot, or a facilitator's fill_with_bot."),
        (RoomEventType.MovedOut, "A session's facilitator (actor) moved the participant out of this room to another room of the session."),
        (RoomEventType.MovedIn, "A session's facilitator (actor) moved the participant into a free seat of this room, with its role."),
    ];

    // Empty is a word of its own here: it means "not recorded", never "Korean" (the product's default language).
    public static IReadOnlyList<(string Word, string Meaning)> Languages { get; } =
    [
        (PageLanguage.Korean, "The deciding page showed the round in Korean (the scenarios sheet's text_ko) when the decision was sent."),
        (PageLanguage.English, "The deciding page showed the round in English (the scenarios sheet's text_en) when the decision was sent."),
        ("(empty cell)", "Not recorded: the client did not send it (the original front end), the decision predates its recording (migration 2026121002), a bot chose, or the row is a time-out, absence or no_consensus. Which language the page showed is unknown; do not read it as Korean."),
    ];

    // Broadcasts and closing the session act on no room, so they are on no row of the sheet.
    public static IReadOnlyList<(string Word, string Meaning)> FacilitatorActions { get; } =
    [
        (FacilitatorActionKind.PauseRoom, "Paused the room: no choice or consensus until resume_room, and its deadline stood still."),
        (FacilitatorActionKind.ResumeRoom, "Resumed the paused room; its deadline moved on by the pause."),
        (FacilitatorActionKind.ExtendDeadline, "Gave the running choice or consensus deadline more time."),
        (FacilitatorActionKind.EndRoom, "Ended the game early (room_events ended_early)."),
        (FacilitatorActionKind.RemoveParticipant, "Took the seat of user_id, who had no socket open, out of the game (room_events participant_removed)."),
        (FacilitatorActionKind.FillWithBot, "Gave the role of user_id, dropped or removed, to a bot (room_events bot_joined)."),
        (FacilitatorActionKind.PauseSession, "Paused every room of the session then playing, this one among them."),
        (FacilitatorActionKind.ResumeSession, "Resumed every room of the session the pause had stopped."),
        (FacilitatorActionKind.MoveParticipant, "Moved user_id between this room and another of the session (room_events participant_moved_out and participant_moved_in)."),
    ];
}
