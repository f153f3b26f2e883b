// The dispute desk: one market's facts and a reply draft for a disputing user (docs/markets.md).
export {holderPositions, marketFacts, MarketNotFoundError, type HolderPosition, type MarketFacts, type TimelineStage} from "./facts.ts";
export {disputeReply, type ReplyOptions} from "./reply.ts";
