import { MemoryStore } from "../../../src/jetstream/store/index.js";
import { modelCheck } from "./model-check.js";
import { storeTable } from "./store-table.js";

storeTable("memory", async (cfg, clock) => new MemoryStore(cfg, clock));
modelCheck("memory", async (cfg, clock) => new MemoryStore(cfg, clock));
