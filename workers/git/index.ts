export * from "./git.js";
