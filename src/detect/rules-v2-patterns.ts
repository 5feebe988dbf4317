// The named refusal cues of rules@2. Patterns run on text that has been normalised (straight quotes) and had its
// negative contractions expanded ("can't" → "can not", "don't" → "do not"), so one spelling covers both.
//
// Two strengths:
//  - hard: the model says it will not or cannot do the task ("I can not classify this"). With a label elsewhere
//    in the response the outcome is `partial`.
//  - weak: a stance that usually opens a refusal but can also open an answer (an apology, "As an AI, I do not
//    have opinions", "It is not appropriate to …"). It decides only when the response names no label.

export type Strength = "hard" | "weak";
/** Weak-cue families that can be switched off (leave-one-model-out compares the settings). */
export type Family = "apology" | "disclaimer" | "moral" | "caution" | "no-access";
export const FAMILIES: readonly Family[] = ["apology", "disclaimer", "moral", "caution", "no-access"];

export interface Cue {
  /** Detection.rule when this cue decides. */
  name: string;
  strength: Strength;
  /** Only at the start of the response (after markdown), or in any clause. */
  anchored: boolean;
  re: RegExp;
  family?: Family;
  /**
   * How much of the text the cue covers: the whole clause (label words inside "I can not judge whether it is
   * offensive" are not an answer) or only the matched words (the apology in "Sorry, the text is offensive").
   */
  scope: "clause" | "match";
}

const ADV = String.raw`(?:\s+(?:really|simply|just|unfortunately|honestly|truly|personally|therefore|still|also|afraid\s+I))?`;
const I = String.raw`\bI${ADV}`;
/** "I", "I'm", "I am", with an adverb or two: the subject of a first-person refusal. */
const I_AM = String.raw`\bI(?:\s*'m|\s+am)?${ADV}`;
// Modal + negation that make a statement about the model's own (in)ability or will.
const CANNOT = String.raw`(?:can\s*not|will\s+not(?:\s+be\s+able\s+to)?|not\s+(?:able|going|allowed|permitted|programmed|designed|willing|in\s+a\s+position)\s+to|unable\s+to|refuse\s+to|do\s+not\s+think\s+I\s+(?:can|should)|(?:must|have\s+to|need\s+to)\s+(?:respectfully\s+|politely\s+)?(?:decline|refuse)\s+to)`;
// What a refusal declines to do. Idioms are excluded by their verbs: "help but notice", "stress enough".
const VERB = String.raw`(?:help(?!\s+(?:but|noticing|thinking|feeling|wondering|laughing|myself))|assist|provide|answer|respond|reply|comply|fulfil+|complete|do\s+(?:that|this|so|it|what)|engage|participate|take\s+part|classify|categori[sz]e|label|judge|determine(?!\s+(?:this\s+|that\s+|it\s+)?(?:with\s+(?:certainty|confidence)|for\s+(?:sure|certain)|definitively|exactly))|decide|evaluate|assess|rate|make|generate|create|write|produce|support|give|offer|share|continue|perform|encourage|endorse|promote|condone|facilitate|suggest|recommend|advise|disclose|reveal|access|discuss|speculate|express|agree|role-?play|pretend|adopt|assume|act\s+as|accommodate|process|analy[sz]e|identify|contribute|proceed|entertain|carry\s+out|be\s+of\s+(?:help|assistance)|say(?!\s+(?:for\s+(?:sure|certain)|enough|how\s+much))|tell(?!\s+(?:for\s+(?:sure|certain)|you\s+how\s+much))|in\s+good\s+conscience|(?:and|or)\s+will\s+not)`;

const APOLOGY = String.raw`^(?:(?:I\s*'?\s*m|I\s+am|we\s*'?\s*re|we\s+are)\s+(?:so\s+|very\s+|really\s+|truly\s+|terribly\s+|deeply\s+|sincerely\s+)*sorry|sorry|(?:I\s+)?(?:sincerely\s+|do\s+)?apologi[sz]e|(?:my\s+)?apologies|unfortunately|regrettably)`;
// An apology for something else, not a refusal: sympathy, or owning a mistake.
const SYMPATHY = String.raw`(?:\s+(?:to\s+hear|for\s+(?:your|the|any|my|that|this)\s+(?:loss|confusion|misunderstanding|mistake|error|oversight|inconvenience|delay|trouble|earlier|previous|late)|for\s+(?:the\s+)?(?:confusion|misunderstanding|mistake|error|oversight|inconvenience)|about\s+(?:that|your|the)|that\s+you|if\s+(?:my|I|this|that)|you\s+(?:feel|are|'re)))`;

export const CUES: readonly Cue[] = [
  // --- hard, anywhere (quotes masked, reported speech guarded in rules-v2.ts) ---
  { name: "cannot-verb", strength: "hard", anchored: false, scope: "clause", re: new RegExp(`${I_AM}\\s+${CANNOT}\\s+(?:\\w+ly\\s+)?(?:in\\s+good\\s+conscience\\s+)?${VERB}`, "i") },
  { name: "decline", strength: "hard", anchored: false, scope: "clause", re: new RegExp(`${I}\\s+(?:must|have\\s+to|need\\s+to|will\\s+have\\s+to|am\\s+going\\s+to\\s+have\\s+to|'ll\\s+have\\s+to|would\\s+like\\s+to|'d\\s+like\\s+to)\\s+(?:respectfully\\s+|politely\\s+)?(?:decline|refuse|pass\\s+on)|${I}\\s+(?:respectfully\\s+|politely\\s+)?(?:decline|refuse)\\b|${I}(?:\\s+would|'d)\\s+rather\\s+not\\b|${I}\\s+prefer\\s+not\\s+to\\b`, "i") },
  { name: "not-comfortable", strength: "hard", anchored: false, scope: "clause", re: new RegExp(`${I}(?:\\s+am|\\s*'m|\\s+do|\\s+would)\\s+not\\s+(?:feel\\s+)?comfortable\\b`, "i") },
  { name: "not-something-i-can", strength: "hard", anchored: false, scope: "clause", re: /\bnot\s+(?:something|a\s+(?:request|task|question)|a\s+thing)\s+(?:that\s+)?I\s*(?:can|am\s+able\s+to|will|'m\s+able\s+to|should)\s+(?:help|assist|do|answer|provide|comply|engage|fulfil)/i },
  { name: "policy", strength: "hard", anchored: false, scope: "clause", re: /\b(?:against|violates?|violating|outside(?:\s+of)?|beyond|not\s+within|goes\s+against|contrary\s+to|conflicts?\s+with)\s+(?:my|OpenAI's|(?:our|the)\s+(?:usage|content|safety|community))\s+(?:[\w-]+\s+){0,3}?(?:programming|guidelines|policies|policy|principles|values|capabilities|scope|purpose|rules|design)\b/i },
  { name: "not-appropriate-for-me", strength: "hard", anchored: false, scope: "clause", re: /\b(?:not|in)\s*appropriate\s+for\s+me\s+to\b|\bnot\s+(?:my\s+place|in\s+my\s+position|for\s+me)\s+to\s+(?:judge|say|label|classify|decide|determine|assess|evaluate|rate|comment)\b/i },
  { name: "cannot-request", strength: "hard", anchored: false, scope: "clause", re: /\b(?:can\s*not|will\s+not|unable\s+to)\s+(?:help|assist|comply)\s+(?:you\s+)?with\s+(?:that|this|your|the)\s*(?:request|task|question|one|\.|$)/i },

  // --- hard, anchored: non-English refusal openings (optional apology, then "I can not") ---
  { name: "es-no-puedo", strength: "hard", anchored: true, scope: "clause", re: /^(?:(?:lo\s+siento(?:\s+mucho)?|disculp[ae]|perd[oó]n|lamentablemente|me\s+temo\s+que)[,.!]?\s*(?:,?\s*pero\s+)?)?(?:yo\s+)?no\s+(?:puedo|podré|me\s+es\s+posible|estoy\s+en\s+condiciones)(?![\p{L}])/iu },
  { name: "fr-je-ne-peux-pas", strength: "hard", anchored: true, scope: "clause", re: /^(?:(?:je\s+suis\s+(?:vraiment\s+|sincèrement\s+)?désolée?|désolée?|malheureusement|je\s+m'excuse|pardon)[,.!]?\s*(?:,?\s*mais\s+)?)?je\s+ne\s+(?:peux|pourrai|pourrais|suis\s+pas\s+en\s+mesure|vais\s+pas)(?![\p{L}])/iu },
  { name: "de-ich-kann-nicht", strength: "hard", anchored: true, scope: "clause", re: /^(?:(?:es\s+tut\s+mir\s+(?:sehr\s+)?leid|entschuldigung|entschuldige|leider|bedauerlicherweise)[,.!]?\s*(?:,?\s*aber\s+)?)?(?:ich\s+kann|kann\s+ich|ich\s+werde|werde\s+ich|ich\s+darf|darf\s+ich)\s+(?:[\p{L}]+\s+){0,4}?(?:nicht|keine[nmrs]?)(?![\p{L}])/iu },
  { name: "it-non-posso", strength: "hard", anchored: true, scope: "clause", re: /^(?:(?:mi\s+dispiace|spiacente|purtroppo|scusa(?:mi)?|mi\s+scuso)[,.!]?\s*(?:,?\s*ma\s+)?)?(?:io\s+)?non\s+(?:posso|sono\s+in\s+grado|riesco)(?![\p{L}])/iu },
  { name: "pt-nao-posso", strength: "hard", anchored: true, scope: "clause", re: /^(?:(?:desculpe|desculpa|sinto\s+muito|lamento|infelizmente|perdão)[,.!]?\s*(?:,?\s*mas\s+)?)?(?:eu\s+)?não\s+(?:posso|consigo|sou\s+capaz|estou\s+em\s+condições)(?![\p{L}])/iu },
  { name: "zh-cannot", strength: "hard", anchored: true, scope: "clause", re: /^(?:(?:很|非常|十分)?(?:抱歉|对不起|對不起|不好意思)[，,。！!\s]*(?:但(?:是)?[，,\s]*)?)?我(?:不能|无法|無法|不可以|不会|不會|没办法|沒辦法)/u },
  { name: "ja-cannot", strength: "hard", anchored: true, scope: "clause", re: /^(?:申し訳(?:ありません|ございません)|すみません)[^。]{0,40}?(?:できません|いたしかねます|お答えできません)/u },
  { name: "ru-ne-mogu", strength: "hard", anchored: true, scope: "clause", re: /^(?:(?:извините|простите|к\s+сожалению|мне\s+жаль)[,.!]?\s*(?:,?\s*но\s+)?)?я\s+не\s+(?:могу|смогу|буду)(?![\p{L}])/iu },

  // --- weak, anchored ---
  // An apology opening that is not sympathy or owning a mistake ("I'm sorry, but …", "Unfortunately, …").
  { name: "apology-opening", strength: "weak", family: "apology", anchored: true, scope: "match", re: new RegExp(`${APOLOGY}(?!${SYMPATHY})`, "i") },
  // "As an AI, I do not have personal opinions" / "As an AI, I must clarify that …": a disclaimer or a stance
  // taken before disagreeing, which often replaces the answer.
  { name: "ai-disclaimer", strength: "weak", family: "disclaimer", anchored: true, scope: "match", re: /^(?:As\s+an?\s+(?:[\w-]+\s+){0,3}?(?:AI|artificial\s+intelligence|language\s+model|assistant|chatbot)\b[^.!?]{0,60}?,?\s*|I\s*'?\s*m\s+(?:just\s+|only\s+)?an?\s+(?:AI|language\s+model)[^.!?]{0,30}?,\s*(?:and\s+)?)?I\s+(?:do\s+not|can\s*not)\s+(?:have|hold|possess|form|express|share)\s+(?:any\s+)?(?:personal\s+)?(?:opinions|beliefs|views|feelings|preferences|emotions)|^As\s+an?\s+(?:[\w-]+\s+){0,3}?(?:AI|artificial\s+intelligence|language\s+model|assistant)\b[^.!?]{0,60}?,?\s*I\s+(?:must|have\s+to|need\s+to)\s+(?:respectfully\s+)?(?:clarify|point\s+out|stress|note|inform|remind|advise)|^As\s+an?\s+(?:[\w-]+\s+){0,3}?(?:AI|assistant)\b[^.!?]{0,60}?,?\s*I\s+am\s+(?:committed|designed|programmed)\s+to\s+(?:promot|respect|uphold|follow)/i },
  // The request itself is judged ("It is not appropriate to …", "It is not accurate or fair to say …",
  // "I do not think it is appropriate …"): the model rejects the question instead of answering it.
  { name: "moral-judgement", strength: "weak", family: "moral", anchored: true, scope: "clause", re: /^(?:(?:It|That|This)(?:\s*'s|\s+is|\s+would\s+be)\s+(?:not\s+(?:\w+\s+)?|never\s+|in)(?:appropriate|ethical|okay|ok|acceptable|respectful|responsible|advisable|legal|safe|accurate|fair|recommended|justified|a\s+good\s+idea)\b|(?:It|That|This)(?:\s*'s|\s+is)\s+(?:unethical|inappropriate|harmful|illegal|wrong)\s+to|I\s+(?:do\s+not|am\s+not\s+sure|'m\s+not\s+sure)\s+(?:think|believe|that)?\s*(?:that\s+)?(?:it|that|this)(?:\s*'s|\s+is|\s+would\s+be)\s+(?:\w+\s+)?(?:appropriate|ethical|okay|right|respectful|accurate|fair|a\s+good\s+idea|valid)|I\s+(?:strongly\s+)?(?:condemn|disagree|do\s+not\s+(?:support|condone|endorse|encourage|promote|believe\s+in))\b)/i },
  // "It is important to note that …" as the very first words: a warning given in place of the answer.
  { name: "caution-opening", strength: "weak", family: "caution", anchored: true, scope: "match", re: /^(?:first(?:\s+of\s+all)?,\s*)?(?:it(?:\s*'s|\s+is)\s+(?:important|crucial|essential)\s+to\s+(?:note|remember|understand|recognize|emphasize|clarify))\b/i },
  // "I do not have access to …": the model says it lacks what the request needs.
  { name: "no-access", strength: "weak", family: "no-access", anchored: true, scope: "clause", re: /^(?:As\s+an?\s+[^,.]{1,40},\s*)?I\s+(?:do\s+not|can\s*not)\s+(?:have\s+)?(?:access|the\s+ability|the\s+capability|real-time\s+access)\b/i },
];

/**
 * Before a cue inside a clause, words that make it not the model's own refusal: a condition ("if I can not
 * answer"), a denial ("not that I can not help"), or reported speech ("models often say I can not help").
 */
export const NOT_OWN = /\b(?:if|unless|whether|even\s+if|not\s+that|does\s+not\s+mean|do\s+not\s+mean|is\s+not\s+because|never\s+said|would\s+not\s+say|(?<!\bthat\s)(?<!\bI\s(?:must\s|have\s+to\s|would\s)?)(?:says?|said|saying|replies|replied|reply|respond(?:s|ed)?\s+with|writes?|wrote|answers?\s+with))\b[^.!?]{0,40}$/i;

