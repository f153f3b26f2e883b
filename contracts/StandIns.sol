// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

// Local stand-ins for the Polygon contracts the chain loader reads (docs/chain.md). They emit the
// mainnet events with the mainnet signatures, so the loader decodes them with the real ABIs, and
// they keep real balances, so `balanceOf` at a block answers what the events imply. They have no
// access control and no signatures: the demo replay and the tests act for every wallet from one
// account. Never deploy them anywhere but a throwaway local node.

/// Emits any log from this contract's address: unknown topics and malformed data for the
/// loader's quarantine tests.
abstract contract RawLogs {
    function emitRaw(bytes32[] calldata topics, bytes calldata data) external {
        bytes memory body = data;
        uint256 size = body.length;
        if (topics.length == 1) {
            bytes32 t0 = topics[0];
            assembly { log1(add(body, 32), size, t0) }
        } else if (topics.length == 2) {
            (bytes32 t0, bytes32 t1) = (topics[0], topics[1]);
            assembly { log2(add(body, 32), size, t0, t1) }
        } else if (topics.length == 3) {
            (bytes32 t0, bytes32 t1, bytes32 t2) = (topics[0], topics[1], topics[2]);
            assembly { log3(add(body, 32), size, t0, t1, t2) }
        } else {
            require(topics.length == 4, "1 to 4 topics");
            (bytes32 t0, bytes32 t1, bytes32 t2, bytes32 t3) = (topics[0], topics[1], topics[2], topics[3]);
            assembly { log4(add(body, 32), size, t0, t1, t2, t3) }
        }
    }
}

/// Collateral (USDC.e or pUSD): a 6-decimal ERC-20 with a free `mint` and a forced `move`.
contract Collateral {
    string public name;
    string public symbol;
    uint8 public constant decimals = 6;
    uint256 public totalSupply;
    mapping(address => uint256) public balanceOf;
    mapping(address => mapping(address => uint256)) public allowance;

    event Transfer(address indexed from, address indexed to, uint256 value);
    event Approval(address indexed owner, address indexed spender, uint256 value);

    constructor(string memory name_, string memory symbol_) {
        name = name_;
        symbol = symbol_;
    }

    function mint(address to, uint256 value) external {
        totalSupply += value;
        balanceOf[to] += value;
        emit Transfer(address(0), to, value);
    }

    function transfer(address to, uint256 value) external returns (bool) {
        _move(msg.sender, to, value);
        return true;
    }

    function approve(address spender, uint256 value) external returns (bool) {
        allowance[msg.sender][spender] = value;
        emit Approval(msg.sender, spender, value);
        return true;
    }

    /// Stand-in only: an approval as if `owner` had sent it.
    function approveAs(address owner, address spender, uint256 value) external {
        allowance[owner][spender] = value;
        emit Approval(owner, spender, value);
    }

    /// Stand-in only: moves anyone's tokens (what a signed transfer would do on mainnet).
    function move(address from, address to, uint256 value) public {
        _move(from, to, value);
    }

    /// Many transfers in one transaction (benchmarks and bulk replay).
    function moveMany(address[] calldata from, address[] calldata to, uint256[] calldata value) external {
        for (uint256 i = 0; i < from.length; i++) _move(from[i], to[i], value[i]);
    }

    /// Emits a Transfer without moving balances (benchmark volume only).
    function emitTransfers(address[] calldata from, address[] calldata to, uint256 value, uint256 rounds) external {
        for (uint256 r = 0; r < rounds; r++) {
            for (uint256 i = 0; i < from.length; i++) emit Transfer(from[i], to[i], value + r);
        }
    }

    function _move(address from, address to, uint256 value) internal {
        require(balanceOf[from] >= value, "collateral balance");
        balanceOf[from] -= value;
        balanceOf[to] += value;
        emit Transfer(from, to, value);
    }
}

/// ConditionalTokens: ERC-1155 positions plus split / merge / resolution / redemption events.
/// Position ids are passed in (mainnet derives them on chain; the demo already knows them).
contract ConditionalTokens is RawLogs {
    mapping(uint256 => mapping(address => uint256)) internal balances;
    mapping(bytes32 => uint256[]) public payoutNumerators;
    mapping(bytes32 => uint256) public payoutDenominator;

    event TransferSingle(address indexed operator, address indexed from, address indexed to, uint256 id, uint256 value);
    event TransferBatch(address indexed operator, address indexed from, address indexed to, uint256[] ids, uint256[] values);
    event ApprovalForAll(address indexed owner, address indexed operator, bool approved);
    event PositionSplit(address indexed stakeholder, address collateralToken, bytes32 indexed parentCollectionId, bytes32 indexed conditionId, uint256[] partition, uint256 amount);
    event PositionsMerge(address indexed stakeholder, address collateralToken, bytes32 indexed parentCollectionId, bytes32 indexed conditionId, uint256[] partition, uint256 amount);
    event ConditionResolution(bytes32 indexed conditionId, address indexed oracle, bytes32 indexed questionId, uint256 outcomeSlotCount, uint256[] payoutNumerators);
    event PayoutRedemption(address indexed redeemer, address indexed collateralToken, bytes32 indexed parentCollectionId, bytes32 conditionId, uint256[] indexSets, uint256 payout);

    function balanceOf(address owner, uint256 id) external view returns (uint256) {
        return balances[id][owner];
    }

    function balanceOfBatch(address[] calldata owners, uint256[] calldata ids) external view returns (uint256[] memory out) {
        out = new uint256[](owners.length);
        for (uint256 i = 0; i < owners.length; i++) out[i] = balances[ids[i]][owners[i]];
    }

    /// Stand-in only: creates positions out of nothing (exchange inventory, fixtures).
    function mint(address to, uint256 id, uint256 value) public {
        balances[id][to] += value;
        emit TransferSingle(msg.sender, address(0), to, id, value);
    }

    /// Stand-in only: moves anyone's positions (what an approved operator does on mainnet).
    function move(address from, address to, uint256 id, uint256 value) public {
        require(balances[id][from] >= value, "position balance");
        balances[id][from] -= value;
        balances[id][to] += value;
        emit TransferSingle(msg.sender, from, to, id, value);
    }

    function moveBatch(address from, address to, uint256[] calldata ids, uint256[] calldata values) external {
        for (uint256 i = 0; i < ids.length; i++) {
            require(balances[ids[i]][from] >= values[i], "position balance");
            balances[ids[i]][from] -= values[i];
            balances[ids[i]][to] += values[i];
        }
        emit TransferBatch(msg.sender, from, to, ids, values);
    }

    /// Emits TransferSingle without moving balances (benchmark volume only).
    function emitTransfers(address[] calldata from, address[] calldata to, uint256 id, uint256 rounds) external {
        for (uint256 r = 0; r < rounds; r++) {
            for (uint256 i = 0; i < from.length; i++) emit TransferSingle(msg.sender, from[i], to[i], id, 1000 + r);
        }
    }

    /// Collateral -> one of each position (full partition of a binary or n-ary condition).
    function splitPosition(
        address stakeholder,
        Collateral collateral,
        bytes32 conditionId,
        uint256[] calldata partition,
        uint256[] calldata positionIds,
        uint256 amount
    ) external {
        collateral.move(stakeholder, address(this), amount);
        uint256[] memory values = new uint256[](positionIds.length);
        for (uint256 i = 0; i < positionIds.length; i++) {
            balances[positionIds[i]][stakeholder] += amount;
            values[i] = amount;
        }
        emit TransferBatch(msg.sender, address(0), stakeholder, positionIds, values);
        emit PositionSplit(stakeholder, address(collateral), bytes32(0), conditionId, partition, amount);
    }

    /// One of each position -> collateral.
    function mergePositions(
        address stakeholder,
        Collateral collateral,
        bytes32 conditionId,
        uint256[] calldata partition,
        uint256[] calldata positionIds,
        uint256 amount
    ) external {
        uint256[] memory values = new uint256[](positionIds.length);
        for (uint256 i = 0; i < positionIds.length; i++) {
            require(balances[positionIds[i]][stakeholder] >= amount, "position balance");
            balances[positionIds[i]][stakeholder] -= amount;
            values[i] = amount;
        }
        emit TransferBatch(msg.sender, stakeholder, address(0), positionIds, values);
        _pay(collateral, stakeholder, amount);
        emit PositionsMerge(stakeholder, address(collateral), bytes32(0), conditionId, partition, amount);
    }

    /// Pays out collateral. Stand-in only: positions the exchanges created out of nothing are not
    /// backed by collateral here, so a shortfall is minted to this contract first.
    function _pay(Collateral collateral, address to, uint256 amount) internal {
        uint256 have = collateral.balanceOf(address(this));
        if (have < amount) collateral.mint(address(this), amount - have);
        collateral.move(address(this), to, amount);
    }

    /// The oracle's answer (mainnet: reportPayouts by the UMA adapter).
    function reportPayouts(address oracle, bytes32 questionId, bytes32 conditionId, uint256[] calldata numerators) external {
        require(payoutDenominator[conditionId] == 0, "already resolved");
        uint256 den = 0;
        for (uint256 i = 0; i < numerators.length; i++) den += numerators[i];
        require(den > 0, "payout all zero");
        payoutNumerators[conditionId] = numerators;
        payoutDenominator[conditionId] = den;
        emit ConditionResolution(conditionId, oracle, questionId, numerators.length, numerators);
    }

    /// Burns the redeemer's whole balance of each position and pays numerator / denominator per share.
    /// positionIds[i] is the position of index set indexSets[i]; outcome slot = the set's lowest bit.
    function redeemPositions(
        address redeemer,
        Collateral collateral,
        bytes32 conditionId,
        uint256[] calldata indexSets,
        uint256[] calldata positionIds
    ) external {
        uint256 den = payoutDenominator[conditionId];
        require(den > 0, "not resolved");
        uint256 payout = 0;
        for (uint256 i = 0; i < positionIds.length; i++) {
            uint256 held = balances[positionIds[i]][redeemer];
            if (held == 0) continue;
            uint256 numerator = 0;
            for (uint256 slot = 0; slot < payoutNumerators[conditionId].length; slot++) {
                if (indexSets[i] & (1 << slot) != 0) numerator += payoutNumerators[conditionId][slot];
            }
            payout += (held * numerator) / den;
            balances[positionIds[i]][redeemer] = 0;
            emit TransferSingle(msg.sender, redeemer, address(0), positionIds[i], held);
        }
        if (payout > 0) _pay(collateral, redeemer, payout);
        emit PayoutRedemption(redeemer, address(collateral), bytes32(0), conditionId, indexSets, payout);
    }
}

/// Shared settlement: the exchange is every order's counterparty. It takes what the order gives,
/// hands over what it gets less the fee (fees are charged on proceeds) and mints its own
/// inventory when short, so each wallet's balances follow its own fills exactly.
abstract contract Settlement {
    Collateral public immutable collateral;
    ConditionalTokens public immutable ctf;

    constructor(Collateral collateral_, ConditionalTokens ctf_) {
        collateral = collateral_;
        ctf = ctf_;
    }

    function _take(address from, uint256 assetId, uint256 amount) internal {
        if (assetId == 0) collateral.move(from, address(this), amount);
        else ctf.move(from, address(this), assetId, amount);
    }

    function _give(address to, uint256 assetId, uint256 amount) internal {
        if (amount == 0) return;
        if (assetId == 0) {
            uint256 have = collateral.balanceOf(address(this));
            if (have < amount) collateral.mint(address(this), amount - have);
            collateral.move(address(this), to, amount);
        } else {
            uint256 have = ctf.balanceOf(address(this), assetId);
            if (have < amount) ctf.mint(address(this), assetId, amount - have);
            ctf.move(address(this), to, assetId, amount);
        }
    }
}

/// CTF Exchange V1 shape (also NegRisk CTF Exchange V1): asset ids, 0 = collateral.
contract ExchangeV1 is Settlement, RawLogs {
    event OrderFilled(bytes32 indexed orderHash, address indexed maker, address indexed taker, uint256 makerAssetId, uint256 takerAssetId, uint256 makerAmountFilled, uint256 takerAmountFilled, uint256 fee);
    event OrdersMatched(bytes32 indexed takerOrderHash, address indexed takerOrderMaker, uint256 makerAssetId, uint256 takerAssetId, uint256 makerAmountFilled, uint256 takerAmountFilled);
    event OrderCancelled(bytes32 indexed orderHash);

    struct Fill {
        bytes32 orderHash;
        address maker;
        uint256 makerAssetId;
        uint256 takerAssetId;
        uint256 making;
        uint256 taking;
        uint256 fee;
    }

    constructor(Collateral collateral_, ConditionalTokens ctf_) Settlement(collateral_, ctf_) {}

    /// An operator fill of one order (`taker` = the operator, or the counterparty's funder).
    function fillOrder(Fill calldata f, address taker) public {
        _take(f.maker, f.makerAssetId, f.making);
        _give(f.maker, f.takerAssetId, f.taking - f.fee);
        emit OrderFilled(f.orderHash, f.maker, taker, f.makerAssetId, f.takerAssetId, f.making, f.taking, f.fee);
    }

    /// matchOrders: one OrderFilled per maker order (taker = the taker order's maker), one for the
    /// taker order (taker = this exchange), then OrdersMatched.
    function matchOrders(Fill calldata takerFill, Fill[] calldata makerFills) external {
        for (uint256 i = 0; i < makerFills.length; i++) fillOrder(makerFills[i], takerFill.maker);
        fillOrder(takerFill, address(this));
        emit OrdersMatched(takerFill.orderHash, takerFill.maker, takerFill.makerAssetId, takerFill.takerAssetId, takerFill.making, takerFill.taking);
    }

    /// Emits OrderFilled without settlement (benchmark volume only).
    function emitFills(address[] calldata makers, address taker, uint256 tokenId, uint256 rounds) external {
        for (uint256 r = 0; r < rounds; r++) {
            for (uint256 i = 0; i < makers.length; i++) {
                emit OrderFilled(keccak256(abi.encode(r, i)), makers[i], taker, 0, tokenId, 500_000 + r, 1_000_000, 0);
            }
        }
    }
}

/// CTF Exchange V2 shape (also NegRisk V2): side + token id, builder and metadata.
contract ExchangeV2 is Settlement {
    event OrderFilled(bytes32 indexed orderHash, address indexed maker, address indexed taker, uint8 side, uint256 tokenId, uint256 makerAmountFilled, uint256 takerAmountFilled, uint256 fee, bytes32 builder, bytes32 metadata);
    event OrdersMatched(bytes32 indexed takerOrderHash, address indexed takerOrderMaker, uint8 side, uint256 tokenId, uint256 makerAmountFilled, uint256 takerAmountFilled);

    struct Fill {
        bytes32 orderHash;
        address maker;
        uint8 side; // 0 BUY (gives collateral), 1 SELL (gives shares)
        uint256 tokenId;
        uint256 making;
        uint256 taking;
        uint256 fee;
        bytes32 builder;
        bytes32 metadata;
    }

    constructor(Collateral collateral_, ConditionalTokens ctf_) Settlement(collateral_, ctf_) {}

    function fillOrder(Fill calldata f, address taker) public {
        if (f.side == 0) {
            _take(f.maker, 0, f.making);
            _give(f.maker, f.tokenId, f.taking - f.fee);
        } else {
            _take(f.maker, f.tokenId, f.making);
            _give(f.maker, 0, f.taking - f.fee);
        }
        emit OrderFilled(f.orderHash, f.maker, taker, f.side, f.tokenId, f.making, f.taking, f.fee, f.builder, f.metadata);
    }

    function matchOrders(Fill calldata takerFill, Fill[] calldata makerFills) external {
        for (uint256 i = 0; i < makerFills.length; i++) fillOrder(makerFills[i], takerFill.maker);
        fillOrder(takerFill, address(this));
        emit OrdersMatched(takerFill.orderHash, takerFill.maker, takerFill.side, takerFill.tokenId, takerFill.making, takerFill.taking);
    }
}


/// UMA CTF adapter (with its bulletin board): the question lifecycle events of
/// Polymarket/uma-ctf-adapter, emitted on demand. Mainnet derives questionID from the ancillary
/// data and talks to the oracle and ConditionalTokens itself; the stand-in is told what happened.
contract UmaCtfAdapter {
    event QuestionInitialized(bytes32 indexed questionID, uint256 indexed requestTimestamp, address indexed creator, bytes ancillaryData, address rewardToken, uint256 reward, uint256 proposalBond);
    event QuestionReset(bytes32 indexed questionID);
    event QuestionFlagged(bytes32 indexed questionID);
    event QuestionResolved(bytes32 indexed questionID, int256 indexed settledPrice, uint256[] payouts);
    event QuestionManuallyResolved(bytes32 indexed questionID, uint256[] payouts);
    event AncillaryDataUpdated(bytes32 indexed questionID, address indexed owner, bytes update);

    function initialize(bytes32 questionID, address creator, bytes calldata ancillaryData, address rewardToken, uint256 reward, uint256 proposalBond) external {
        emit QuestionInitialized(questionID, block.timestamp, creator, ancillaryData, rewardToken, reward, proposalBond);
    }

    function reset(bytes32 questionID) external {
        emit QuestionReset(questionID);
    }

    function flag(bytes32 questionID) external {
        emit QuestionFlagged(questionID);
    }

    function resolve(bytes32 questionID, int256 settledPrice, uint256[] calldata payouts) external {
        emit QuestionResolved(questionID, settledPrice, payouts);
    }

    function resolveManually(bytes32 questionID, uint256[] calldata payouts) external {
        emit QuestionManuallyResolved(questionID, payouts);
    }

    function postUpdate(bytes32 questionID, address owner, bytes calldata update) external {
        emit AncillaryDataUpdated(questionID, owner, update);
    }
}

/// UMA Optimistic Oracle V2: proposal, dispute and settlement events of a request, emitted on demand
/// (no bonds, no liveness checks, no DVM).
contract OptimisticOracleV2 {
    event ProposePrice(address indexed requester, address indexed proposer, bytes32 identifier, uint256 timestamp, bytes ancillaryData, int256 proposedPrice, uint256 expirationTimestamp, address currency);
    event DisputePrice(address indexed requester, address indexed proposer, address indexed disputer, bytes32 identifier, uint256 timestamp, bytes ancillaryData, int256 proposedPrice);
    event Settle(address indexed requester, address indexed proposer, address indexed disputer, bytes32 identifier, uint256 timestamp, bytes ancillaryData, int256 price, uint256 payout);

    bytes32 public constant YES_OR_NO_QUERY = "YES_OR_NO_QUERY";

    function proposePrice(address requester, address proposer, uint256 timestamp, bytes calldata ancillaryData, int256 price, uint256 liveness, address currency) external {
        emit ProposePrice(requester, proposer, YES_OR_NO_QUERY, timestamp, ancillaryData, price, block.timestamp + liveness, currency);
    }

    function disputePrice(address requester, address proposer, address disputer, uint256 timestamp, bytes calldata ancillaryData, int256 price) external {
        emit DisputePrice(requester, proposer, disputer, YES_OR_NO_QUERY, timestamp, ancillaryData, price);
    }

    function settle(address requester, address proposer, address disputer, uint256 timestamp, bytes calldata ancillaryData, int256 price, uint256 payout) external {
        emit Settle(requester, proposer, disputer, YES_OR_NO_QUERY, timestamp, ancillaryData, price, payout);
    }
}

/// Runs many stand-in calls in one transaction (the demo replay packs a block's actions this way).
contract Multicall {
    function aggregate(address[] calldata targets, bytes[] calldata data) external {
        require(targets.length == data.length, "length");
        for (uint256 i = 0; i < targets.length; i++) {
            (bool ok, bytes memory reason) = targets[i].call(data[i]);
            if (!ok) {
                assembly { revert(add(reason, 32), mload(reason)) }
            }
        }
    }
}
